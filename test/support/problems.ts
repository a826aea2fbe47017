import { HttpProblem, type Problem } from '../../shared/http/problem';

/**
 * The problem document of the HttpProblem `fn` throws. Anything else thrown is rethrown, and a
 * call that throws nothing fails the test, so a test cannot pass by accident.
 */
export function problemOf(fn: () => unknown): Problem {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpProblem) return error.problem;
    throw error;
  }
  throw new Error('expected a problem');
}

/** `problemOf` for work that rejects: the problem document of the HttpProblem `fn`'s promise rejects with. */
export async function problemOfAsync(fn: () => unknown): Promise<Problem> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof HttpProblem) return error.problem;
    throw error;
  }
  throw new Error('expected a problem');
}
