/**
 * The window's Content-Security-Policy: no inline script or style, no eval, talk only to its own
 * origin. One string for the headless server's header, the <meta> the build writes into
 * index.html (Electron loads it from file://) and the Electron shell's session headers.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ')

/** Only valid as an HTTP header (a <meta> CSP ignores it): no page may frame the window. */
export const CSP_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`
