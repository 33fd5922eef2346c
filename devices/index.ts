/** Device models: model/ (the interface every kind implements) and one folder per kind. */
export * from './camera/index.js';
export * from './model/index.js';
export * from './door/index.js';
export * from './safe/index.js';
export * from './hvac/index.js';
export * from './thermometer/index.js';
export * from './fan/index.js';
export * from './lighting/index.js';
