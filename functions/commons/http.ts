import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { HttpProblem, problemResponse, problems } from '../../shared/http/problem';
import { logger } from './powertools';

/** Turns a thrown HttpProblem into its problem document, and anything else into a logged 500. */
export function problemResponses(): MiddlewareObj<unknown, APIGatewayProxyResultV2> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof HttpProblem) {
        request.response = problemResponse(error);
        return;
      }
      logger.error('request failed', error as Error);
      request.response = problemResponse(problems.internal());
    },
  };
}
