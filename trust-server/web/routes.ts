/**
 * The web API's route table (docs/mynet-manager.md "API"): method, path, whether it reads a
 * JSON body, and the operation. Scoping is each operation's (through scope.ts), not the table's.
 */
import type { WebOperation } from './api-context.js';
import * as accounts from './api-accounts.js';
import { auditSearch } from './api-audit.js';
import * as nodes from './api-nodes.js';

export interface WebRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: RegExp;
  readonly body?: true;
  readonly run: WebOperation;
}

const SEG = '([^/]+)';
export const WEB_ROUTES: readonly WebRoute[] = [
  { method: 'GET', path: /^\/api\/fleet$/, run: nodes.fleet },
  { method: 'GET', path: /^\/api\/nodes$/, run: nodes.listNodes },
  { method: 'POST', path: /^\/api\/nodes$/, body: true, run: nodes.enroll },
  { method: 'GET', path: new RegExp(`^/api/nodes/${SEG}$`), run: nodes.nodeDetail },
  { method: 'POST', path: new RegExp(`^/api/nodes/${SEG}/revoke$`), run: nodes.revoke },
  { method: 'POST', path: new RegExp(`^/api/nodes/${SEG}/owner$`), body: true, run: nodes.setOwner },
  { method: 'GET', path: /^\/api\/grants$/, run: nodes.listGrants },
  { method: 'POST', path: /^\/api\/grants$/, body: true, run: nodes.addGrants },
  { method: 'DELETE', path: new RegExp(`^/api/grants/${SEG}$`), run: nodes.removeGrant },
  { method: 'GET', path: /^\/api\/audit$/, run: auditSearch },
  { method: 'GET', path: /^\/api\/accounts$/, run: accounts.listAccounts },
  { method: 'POST', path: /^\/api\/accounts$/, body: true, run: accounts.addAccount },
  { method: 'DELETE', path: new RegExp(`^/api/accounts/${SEG}$`), run: accounts.removeAccount },
  { method: 'POST', path: new RegExp(`^/api/accounts/${SEG}/password$`), body: true, run: accounts.setPassword },
  { method: 'POST', path: new RegExp(`^/api/accounts/${SEG}/disable$`), run: accounts.disable },
  { method: 'POST', path: new RegExp(`^/api/accounts/${SEG}/enable$`), run: accounts.enable },
  { method: 'POST', path: new RegExp(`^/api/accounts/${SEG}/role$`), body: true, run: accounts.setRole },
];
