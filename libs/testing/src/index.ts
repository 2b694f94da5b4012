export { INFRA_KEYS, testInfra } from './infra-settings';
export type { InfraKey, InfraSettings } from './infra-settings';
export { uniqueDirectory, uniqueName, uniqueTopicPrefix } from './unique-names';
export { waitFor } from './wait-for';
export type { WaitOptions } from './wait-for';
export { TopicProbe } from './topic-probe';
export type { ProbedMessage } from './topic-probe';
export { createScratchDatabase } from './scratch-database';
export type { ScratchDatabase } from './scratch-database';
