/** A variable the stack (or local mode) always sets; its absence is a deployment error, said plainly at init. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
