import type { DeliusModels } from '../../src/delius/models/index.ts';
import { londonWallClock, systemClock, type Clock } from '../../src/delius/time.ts';
import { deliusFixtures, type Period } from './fixtures.ts';

/** 2022-07-01T10:30 Europe/London, the start of every fixture manager (rules §15). */
export const fixtureStart = new Date(Date.UTC(2022, 6, 1, 10, 30));
export const unallocated = { staff: 'N02UATU', team: 'N02UAT' } as const;

/**
 * The dev/test data that the project's examples (`examples/`) are written against:
 * provider N02, its teams and staff, the people X123456, T123456 and T223456, X123456's events, requirements
 * and licence conditions. Historic owners (T223456, event 3, requirement 9002, licence condition 8002) have
 * a manager ended yesterday and another since, so an allocation dated 2022-07-28 lands in the history.
 */
export async function seedExampleData(models: DeliusModels, clock: Clock = systemClock) {
  const fixtures = deliusFixtures(models);
  const now = londonWallClock(clock());
  const yesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1, 12));
  const weekAgo = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 7));
  const current: Period[] = [{ ...unallocated, start: fixtureStart }];
  const historic: Period[] = [
    { ...unallocated, start: fixtureStart, end: yesterday },
    { ...unallocated, start: yesterday },
  ];

  await fixtures.provider('N02', 'NPS North East');
  await fixtures.provider('N03', 'NPS North West');
  await fixtures.team({ code: 'N02UAT', description: 'Unallocated Team(N02)', provider: 'N02' });
  await fixtures.team({ code: 'N02ABS', description: 'Allocation Team(N02)', provider: 'N02' });
  await fixtures.team({ code: 'N03AAA', description: 'Team A(N03)', provider: 'N03' });
  await fixtures.staff({ code: 'N02UATU', forename: 'Unallocated', surname: 'Staff', teams: ['N02UAT'] });
  await fixtures.staff({ code: 'N02ABS1', forename: 'Joe', surname: 'Bloggs', teams: ['N02ABS'] });
  await fixtures.staff({
    code: 'N02ABS2',
    forename: 'Jane',
    surname: 'Leaver',
    teams: ['N02ABS'],
    endDate: weekAgo,
  });
  await fixtures.staff({
    code: 'N02ABSX',
    forename: 'Sam',
    middleName: 'Senior',
    surname: 'Officer',
    teams: ['N02ABS'],
  });
  await fixtures.staff({ code: 'N03AAA1', forename: 'Alex', surname: 'North', teams: ['N03AAA'] });

  const people = {
    X123456: await fixtures.person({ crn: 'X123456', managers: current }),
    T123456: await fixtures.person({ crn: 'T123456', managers: current }),
    T223456: await fixtures.person({ crn: 'T223456', managers: historic }),
  };
  const events = {
    1: await fixtures.event({ crn: 'X123456', number: '1', managers: current }),
    2: await fixtures.event({ crn: 'X123456', number: '2', managers: current }),
    3: await fixtures.event({ crn: 'X123456', number: '3', managers: historic }),
    deletedDuplicateOf1: await fixtures.event({
      crn: 'X123456',
      number: '1',
      managers: current,
      softDeleted: true,
    }),
    99: await fixtures.event({ crn: 'X123456', number: '99', managers: current, active: false }),
  };
  const onEvent1 = { crn: 'X123456', eventNumber: '1' } as const;
  const requirements = {
    default: await fixtures.requirement({ ...onEvent1, managers: current, main: 'W' }),
    9001: await fixtures.requirement({ ...onEvent1, id: 9001, managers: current, main: 'RM38' }),
    9002: await fixtures.requirement({ ...onEvent1, id: 9002, managers: historic, main: 'W' }),
    9003: await fixtures.requirement({ ...onEvent1, id: 9003, managers: current, main: '7', sub: 'RS66' }),
  };
  const licenceConditions = {
    8001: await fixtures.licenceCondition({ ...onEvent1, id: 8001, managers: current }),
    8002: await fixtures.licenceCondition({ ...onEvent1, id: 8002, managers: historic }),
    8003: await fixtures.licenceCondition({ ...onEvent1, id: 8003, managers: current, sub: 'NST01' }),
  };
  return { fixtures, people, events, requirements, licenceConditions, yesterday };
}
