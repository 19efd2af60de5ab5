import type { Sequelize } from 'sequelize';
import { flag, id, key, table, type DeliusModel } from './columns.ts';

/** A transfer is pending while a non-soft-deleted row points at transfer status PN (rule C11). */
const transferColumns = (idField: string, ownerField: string) => ({
  id: id(idField),
  ownerId: key(ownerField),
  transferStatusId: key('TRANSFER_STATUS_ID'),
  softDeleted: flag('SOFT_DELETED'),
});

export type TransferModel = DeliusModel<ReturnType<typeof transferColumns>>;

export function defineTransfers(sequelize: Sequelize) {
  return {
    PersonTransfer: table(
      sequelize,
      'OFFENDER_TRANSFER',
      transferColumns('OFFENDER_TRANSFER_ID', 'OFFENDER_ID'),
    ),
    EventTransfer: table(sequelize, 'ORDER_TRANSFER', transferColumns('ORDER_TRANSFER_ID', 'EVENT_ID')),
    RequirementTransfer: table(sequelize, 'RQMNT_TRANSFER', transferColumns('RQMNT_TRANSFER_ID', 'RQMNT_ID')),
    LicenceConditionTransfer: table(
      sequelize,
      'LIC_CONDITION_TRANSFER',
      transferColumns('LIC_CONDITION_TRANSFER_ID', 'LIC_CONDITION_ID'),
    ),
  };
}
