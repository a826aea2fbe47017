import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { HttpProblem } from '../http/problem';
import { MAX_CSAT_COMMENT } from './api';

/**
 * The satisfaction link opened in a browser: GET shows a small form that posts back to the same
 * URL, and a form post gets a page instead of JSON. English and Chinese side by side, no scripts,
 * nothing loaded from elsewhere; the URL holds the token, so no referrer leaves and nothing is cached.
 */

const headers = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(statusCode: number, title: string, body: string): APIGatewayProxyResultV2 {
  return {
    statusCode,
    headers,
    body: `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}label{margin-right:1rem}textarea{width:100%}button{margin-top:1rem;padding:.5rem 1.5rem}</style></head><body>${body}</body></html>`,
  };
}

export const formPage = (): APIGatewayProxyResultV2 =>
  page(
    200,
    'How did we do? 您满意吗？',
    `<h1>How did we do? 您满意吗？</h1><form method="post"><p>1 = poor 很不满意 … 5 = great 非常满意</p><p>${[1, 2, 3, 4, 5]
      .map((s) => `<label><input type="radio" name="score" value="${s}" required> ${s}</label>`)
      .join('')}</p><p><label for="comment">Comment (optional) 留言（可选）</label><br><textarea id="comment" name="comment" rows="4" maxlength="${MAX_CSAT_COMMENT}"></textarea></p><button type="submit">Send 提交</button></form>`,
  );

export const thanksPage = (): APIGatewayProxyResultV2 => page(201, 'Thank you 谢谢', '<h1>Thank you! 谢谢！</h1><p>Your answer is recorded. 您的评价已记录。</p>');

/** A rejection as a page: the problem's status, its title and detail. */
export const problemPage = (problem: HttpProblem): APIGatewayProxyResultV2 => {
  const errors = (problem.problem.errors ?? []).map((e) => `<li>${escape(e.field)}: ${escape(e.message)}</li>`).join('');
  return page(problem.problem.status, problem.problem.title, `<h1>${escape(problem.problem.title)}</h1><p>${escape(problem.problem.detail)}</p>${errors ? `<ul>${errors}</ul>` : ''}`);
};
