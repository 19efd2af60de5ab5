/** The Delius sequences the service takes new rows' ids from (`<KEY COLUMN>_SEQ`, as Delius names them). */
export const deliusSequences = {
  personManager: 'OFFENDER_MANAGER_ID_SEQ',
  eventManager: 'ORDER_MANAGER_ID_SEQ',
  requirementManager: 'RQMNT_MANAGER_ID_SEQ',
  licenceConditionManager: 'LIC_CONDITION_MANAGER_ID_SEQ',
  responsibleOfficer: 'RESPONSIBLE_OFFICER_ID_SEQ',
  contact: 'CONTACT_ID_SEQ',
} as const;
