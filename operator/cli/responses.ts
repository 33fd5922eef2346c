/**
 * A CoAP answer that is not 2.xx → the exit code it stands for, and a message that carries the
 * gateway's diagnostic payload (RFC 7252 §5.5.2: the reason, for a person) unchanged:
 *   4.01, 4.03 → 4 not authorized (the gateway's policy: phase or grant)
 *   4.04       → 5 not found
 *   other 4.xx → 6 invalid (4.00 a value the device refused, 4.05 a read-only property, …)
 *   5.xx       → 1 device error (5.03 busy: Max-Age says when to retry, §5.9.3.4)
 */
import { codeClass, type CoapResponse } from '../../coap/index.js';
import { CommandError, ExitCode } from './exit-codes.js';

const NAMES: Readonly<Record<string, string>> = {
  '4.00': 'Bad Request',
  '4.01': 'Unauthorized',
  '4.02': 'Bad Option',
  '4.03': 'Forbidden',
  '4.04': 'Not Found',
  '4.05': 'Method Not Allowed',
  '4.06': 'Not Acceptable',
  '4.08': 'Request Entity Incomplete',
  '4.12': 'Precondition Failed',
  '4.13': 'Request Entity Too Large',
  '4.15': 'Unsupported Content-Format',
  '5.00': 'Internal Server Error',
  '5.01': 'Not Implemented',
  '5.02': 'Bad Gateway',
  '5.03': 'Service Unavailable',
  '5.04': 'Gateway Timeout',
  '5.05': 'Proxying Not Supported',
};

/** "4.03 Forbidden". */
export function codeLabel(codeText: string): string {
  const name = NAMES[codeText];
  return name === undefined ? codeText : `${codeText} ${name}`;
}

export function exitCodeFor(response: Pick<CoapResponse, 'code' | 'codeText'>): ExitCode {
  if (codeClass(response.code) === 2) return ExitCode.Ok;
  if (response.codeText === '4.01' || response.codeText === '4.03') return ExitCode.NotAuthorized;
  if (response.codeText === '4.04') return ExitCode.NotFound;
  if (codeClass(response.code) === 4) return ExitCode.Invalid;
  return ExitCode.DeviceError;
}

/** The error for a non-2.xx answer to `what` (e.g. "set rack-fan/speed"). */
export function responseError(what: string, r: CoapResponse): CommandError {
  const code = exitCodeFor(r);
  const reason = r.diagnostic ?? 'no reason given';
  const label = codeLabel(r.codeText);
  const details = { code: r.codeText, diagnostic: r.diagnostic ?? null };
  if (code === ExitCode.NotAuthorized) return new CommandError(code, `${what}: not authorized by the gateway (${label}): ${reason}`, details);
  if (code === ExitCode.NotFound) return new CommandError(code, `${what}: not found (${label}): ${reason}`, details);
  if (code === ExitCode.Invalid) return new CommandError(code, `${what}: refused (${label}): ${reason}`, details);
  const retry = r.codeText === '5.03' && r.maxAge !== undefined ? `; retry in ${r.maxAge} s` : '';
  const lead = r.codeText === '5.03' ? 'device busy' : 'device error';
  return new CommandError(ExitCode.DeviceError, `${what}: ${lead} (${label}): ${reason}${retry}`, { ...details, ...(r.maxAge === undefined ? {} : { retryAfterS: r.maxAge }) });
}
