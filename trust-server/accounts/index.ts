/** MyNet Manager accounts: password hashing and the rate-limited, audited login check. */
export { PasswordHasher, PasswordError, checkNewPassword, parseHash, nodeScrypt, DEFAULT_SCRYPT, MIN_PASSWORD_CHARS, MAX_PASSWORD_BYTES, type ScryptFn, type ScryptParams } from './password-hash.js';
export { LoginVerifier, DEFAULT_LOGIN_LIMITS, sourceKey, type LoginDeps, type LoginLimits, type LoginResult } from './login.js';
