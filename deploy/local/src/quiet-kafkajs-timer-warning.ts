// kafkajs 2.2.4 schedules a timer with a negative delay on every connection, which Node 24 reports
// as a TimeoutNegativeWarning (tulios/kafkajs#1751; harmless, Node uses 1 ms). Drop exactly that
// warning so the output of deploy/local's commands stays readable; every other warning still prints.
type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;
const emitWarning = process.emitWarning.bind(process) as EmitWarning;
const withoutKafkajsTimerWarning: EmitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : warning instanceof Error ? warning.name : undefined;
  if (type !== 'TimeoutNegativeWarning') emitWarning(warning, ...rest);
};
process.emitWarning = withoutKafkajsTimerWarning;
