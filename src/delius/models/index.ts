import type { Sequelize } from 'sequelize';
import { defineManagers } from './managers.ts';
import { definePeople } from './people.ts';
import { defineProviders } from './providers.ts';
import { defineRecords } from './records.ts';
import { defineReferenceData } from './reference-data.ts';
import { defineTransfers } from './transfers.ts';

/** Every Delius table allocation handling touches, bound to one Sequelize instance. */
export function defineDeliusModels(sequelize: Sequelize) {
  return {
    ...definePeople(sequelize),
    ...defineProviders(sequelize),
    ...defineReferenceData(sequelize),
    ...defineManagers(sequelize),
    ...defineTransfers(sequelize),
    ...defineRecords(sequelize),
  };
}

export type DeliusModels = ReturnType<typeof defineDeliusModels>;
