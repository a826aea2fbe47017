/**
 * What the stack sets on every function, with Powertools logging (INFO) and EMF metrics on, as
 * deployed, plus the function's own variables. Set before the handler module is imported.
 */
export function deployedFunctionEnv(own: Record<string, string>): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SWITCHBOARD_CONFIG: '{}',
    POWERTOOLS_SERVICE_NAME: 'switchboard',
    POWERTOOLS_METRICS_NAMESPACE: 'Switchboard',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'false',
    ...own,
  });
  // Dev mode pretty-prints logs through the console; deployed functions write JSON lines.
  delete process.env.POWERTOOLS_DEV;
}
