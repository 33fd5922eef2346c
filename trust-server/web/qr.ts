/**
 * The QR code of a credential, so a phone or a partner's device can take it from the screen.
 * A credential JSON is about 250 bytes; a QR code (ISO/IEC 18004, error correction M) holds
 * up to 2331 bytes in byte mode, so it fits with a wide margin. If some day it did not, the
 * answer says so (`qrError`) instead of failing the enrollment: the key exists by then.
 */
import QRCode from 'qrcode';

export async function credentialQrSvg(text: string): Promise<{ qrSvg: string } | { qrError: string }> {
  try {
    return { qrSvg: await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 }) };
  } catch {
    return { qrError: `the credential (${Buffer.byteLength(text)} bytes) does not fit a QR code; use the download button instead` };
  }
}
