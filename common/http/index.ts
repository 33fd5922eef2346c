/** HTTP building blocks shared by the programs' web listeners. */
export { SECURITY_HEADERS, StaticAssets, TYPES, pickEncoding, type AssetEncoding } from './static-assets.js';
