export const COHORTS = ["graceful", "legacy"] as const;

export type Cohort = (typeof COHORTS)[number];
