/** The projector's consumer group: every projector instance joins it and shares the partitions. */
export const PROJECTOR_GROUP_ID = 'order-projections';
