/** CoAP messages (RFC 7252): codes, options, the codec over coap-packet, Block options (RFC 7959), link format (RFC 6690), URIs. */
export { CoapCode, codeClass, codeFromText, codeText, isRequestCode, isReservedClass, isResponseCode, methodCode, methodName, type CoapMethod } from './codes.js';
export {
  CoapOptionNumber,
  ContentFormat,
  decodeString,
  decodeUint,
  encodeUint,
  findOption,
  findOptions,
  readUintOption,
  contentFormatOf,
  stringOption,
  uintOption,
  unsupportedCriticalOption,
  samePath,
  uriPath,
  uriPathOptions,
  uriPathOrUndefined,
  uriQuery,
  uriQueryOptions,
  type CoapOption,
} from './options.js';
export { CoapDecodeError, CoapOptionError } from './errors.js';
export { EMPTY, MAX_TOKEN_LENGTH, emptyMessage, type CoapMessage, type CoapType } from './message.js';
export { decodeMessage, encodeMessage } from './codec.js';
export { MAX_BLOCK_NUM, MAX_SZX, blockSize, decodeBlock, encodeBlock, szxFor, type BlockOption } from './block.js';
export { LinkFormatError, filterLinks, formatLinks, parseLinks, type Link } from './link-format.js';
export { COAP_DEFAULT_PORT, CoapUriError, formatCoapUri, parseCoapUri, type CoapTarget } from './uri.js';
