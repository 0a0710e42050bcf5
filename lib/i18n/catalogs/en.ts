/**
 * English, the default catalog: every text of the default views
 * (views/oauth2/*.ejs) and of each error code the error page shows.
 *
 * Rules:
 * - plain data: a key and its text, with `{name}` placeholders that `t()`
 *   fills with values the view escapes (lib/i18n/translate.ts);
 * - every other built-in catalog has exactly these keys (the compiler checks it
 *   through {@link Messages}).
 */

/** The English catalog; its keys are the message keys of every catalog. */
export const en = {
  'consent.title': 'Allow {client} access?',
  'consent.heading': '{client} wants to access your account',
  'consent.signedInAs': 'Signed in as {user}',
  'consent.documentClient':
    'This app is not pre-registered by the operator of this server. It describes itself at {host}. Allow it only if you trust it.',
  'consent.registeredClient':
    'This app registered itself; it is not pre-registered by the operator of this server. Allow it only if you trust it.',
  'consent.scopesIntro': 'If you allow it, {client} will be able to:',
  'consent.noScopes': '{client} asks to know that you are signed in.',
  'consent.resourcesIntro': 'Only at:',
  'consent.remember': 'Remember my decision for {client}',
  'consent.userCode': 'Allow it only if your device shows the code {code}.',
  'consent.redirectHost': 'You will then be sent to {host}.',
  'consent.deny': 'Deny',
  'consent.allow': 'Allow',
  'consent.clientId': 'Client ID: {id}',
  'page.server': 'Server: {issuer}',
  'device.title': 'Connect a device',
  'device.intro': 'Enter the code shown on your device.',
  'device.codeLabel': 'Code',
  'device.continue': 'Continue',
  'device.invalidCode': 'that code is not valid',
  'device.formExpired': 'this form expired; please enter the code again',
  'deviceDone.approvedTitle': 'Device connected',
  'deviceDone.approved': '{client} may now access your account. You may return to your device.',
  'deviceDone.deniedTitle': 'Access denied',
  'deviceDone.denied': 'You denied {client} access. You may close this page.',
  'error.title': 'Authorization error',
  'error.heading': 'This authorization request cannot be completed',
  'error.heading.apps': 'This change to your authorized apps cannot be made',
  'error.heading.logout': 'This sign-out request cannot be completed',
  'error.footer':
    'Error code: {code} (HTTP {status}). You can close this page and go back to the application.',
  'error.other': 'The request could not be completed.',
  'error.invalid_request': 'The request is missing something, or something in it is wrong.',
  'error.invalid_client': 'The application is unknown to this server.',
  'error.unauthorized_client': 'The application may not make this request.',
  'error.unsupported_response_type':
    'The application asked for a kind of answer this server does not give.',
  'error.invalid_scope': 'The application asked for access this server does not offer it.',
  'error.invalid_target':
    'The application asked for access to a service this server does not know.',
  'error.access_denied': 'Access was denied.',
  'error.server_error': 'Something went wrong on the server. Please try again later.',
  'error.temporarily_unavailable':
    'The server is busy or down for a moment. Please try again later.',
  'error.invalid_request_uri':
    'The request has expired or was already used. Please start again from the application.',
  'error.invalid_redirect_uri':
    'The address to send you back to is not registered for this application.',
  'error.invalid_grant': 'The authorization is no longer valid.',
  'error.expired_token': 'The code has expired. Please start again on your device.',
  'error.slow_down': 'Too many attempts. Please wait a moment and try again.',
  'error.login_required': 'You need to sign in first.',
  'error.consent_required': 'Your consent is needed first.',
  'error.interaction_required': 'This request needs you to take part.',
  'apps.title': 'Authorized apps',
  'apps.signedInAs': 'Signed in as {user}',
  'apps.none': 'You have not authorized any app.',
  'apps.access': 'Access: {scopes}',
  'apps.defaultAccess': 'default',
  'apps.authorized': 'Authorized {date}',
  'apps.lastUsed': 'Last used {time}',
  'apps.never': 'never',
  'apps.revoke': 'Revoke',
  'apps.revokeLabel': 'Revoke access of {client}',
  'logout.title': 'Sign out of {site}?',
  'logout.signedInAs': 'Signed in as {user}',
  'logout.client': '{client} asks you to sign out of {site}.',
  'logout.question': 'Do you want to sign out of {site}?',
  'logout.yes': 'Yes, sign out',
  'logout.no': 'No, stay signed in',
  'loggedOut.title': 'Signed out',
  'loggedOut.body': 'You have signed out of {site}. You may close this page.',
  'loggedOut.stayedTitle': 'Still signed in',
  'loggedOut.stayed': 'You are still signed in to {site}.',
  'loggedOut.return': 'Return to {client}',
};

/** A key of a built-in message. */
export type MessageKey = keyof typeof en;

/** A complete catalog: a text for every built-in key. */
export type Messages = { readonly [K in MessageKey]: string };
