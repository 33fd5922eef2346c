/** MyNet Manager's web listener: certificate (tls.ts), sessions (sessions.ts), the listener (server.ts). */
export { startWebServer, MAX_LOGIN_BODY, LIMITED_RETRY_SECONDS, type WebServer, type WebServerOptions, type WebTls } from './server.js';
export { SessionTable, DEFAULT_SESSION_LIMITS, SESSION_COOKIE, CSRF_HEADER, csrfMatches, sessionCookie, type Session, type SessionLimits, type SessionAccount } from './sessions.js';
export { loadWebCertificate, stateCertificateFingerprint, certificateFingerprint, opensslCertificateMaker, webCertPaths, WebCertError, type CertificateMaker, type WebCertificate } from './tls.js';
