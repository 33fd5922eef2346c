/** A cheap scrypt (N = 16, r = 1) that counts its calls, so tests stay fast and see the work done. */
import { nodeScrypt, PasswordHasher, type ScryptFn, type ScryptParams } from './password-hash.js';

export const CHEAP_SCRYPT: ScryptParams = { N: 16, r: 1, p: 1 };

export function countingHasher(): { hasher: PasswordHasher; calls: () => number } {
  let calls = 0;
  const kdf: ScryptFn = (password, salt, len, params) => {
    calls++;
    return nodeScrypt(password, salt, len, params);
  };
  return { hasher: new PasswordHasher(CHEAP_SCRYPT, kdf), calls: () => calls };
}
