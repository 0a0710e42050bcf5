/**
 * German: the texts of the default views and of each error code.
 *
 * Rules:
 * - plain data with exactly the keys of the English catalog (./en.ts), checked
 *   by the compiler; `{name}` placeholders as there.
 */
import type { Messages } from './en.js';

/** The German catalog. */
export const de: Messages = {
  'consent.title': '{client} Zugriff erlauben?',
  'consent.heading': '{client} möchte auf Ihr Konto zugreifen',
  'consent.signedInAs': 'Angemeldet als {user}',
  'consent.documentClient':
    'Diese App wurde vom Betreiber dieses Servers nicht vorab registriert. Sie beschreibt sich selbst unter {host}. Erlauben Sie den Zugriff nur, wenn Sie ihr vertrauen.',
  'consent.registeredClient':
    'Diese App hat sich selbst registriert; sie wurde vom Betreiber dieses Servers nicht vorab registriert. Erlauben Sie den Zugriff nur, wenn Sie ihr vertrauen.',
  'consent.scopesIntro': 'Wenn Sie zustimmen, darf {client}:',
  'consent.noScopes': '{client} möchte wissen, dass Sie angemeldet sind.',
  'consent.resourcesIntro': 'Nur bei:',
  'consent.remember': 'Meine Entscheidung für {client} merken',
  'consent.userCode': 'Erlauben Sie es nur, wenn Ihr Gerät den Code {code} anzeigt.',
  'consent.redirectHost': 'Danach werden Sie zu {host} weitergeleitet.',
  'consent.deny': 'Ablehnen',
  'consent.allow': 'Erlauben',
  'consent.clientId': 'Client-ID: {id}',
  'page.server': 'Server: {issuer}',
  'device.title': 'Gerät verbinden',
  'device.intro': 'Geben Sie den Code ein, den Ihr Gerät anzeigt.',
  'device.codeLabel': 'Code',
  'device.continue': 'Weiter',
  'device.invalidCode': 'Dieser Code ist nicht gültig',
  'device.formExpired': 'Dieses Formular ist abgelaufen; bitte geben Sie den Code erneut ein',
  'deviceDone.approvedTitle': 'Gerät verbunden',
  'deviceDone.approved':
    '{client} darf jetzt auf Ihr Konto zugreifen. Sie können zu Ihrem Gerät zurückkehren.',
  'deviceDone.deniedTitle': 'Zugriff verweigert',
  'deviceDone.denied':
    'Sie haben {client} den Zugriff verweigert. Sie können diese Seite schließen.',
  'error.title': 'Autorisierungsfehler',
  'error.heading': 'Diese Autorisierungsanfrage kann nicht abgeschlossen werden',
  'error.heading.apps': 'Diese Änderung an Ihren autorisierten Apps ist nicht möglich',
  'error.heading.logout': 'Diese Abmeldeanfrage kann nicht abgeschlossen werden',
  'error.footer':
    'Fehlercode: {code} (HTTP {status}). Sie können diese Seite schließen und zur Anwendung zurückkehren.',
  'error.other': 'Die Anfrage konnte nicht abgeschlossen werden.',
  'error.invalid_request': 'In der Anfrage fehlt etwas, oder etwas darin ist falsch.',
  'error.invalid_client': 'Die Anwendung ist diesem Server nicht bekannt.',
  'error.unauthorized_client': 'Die Anwendung darf diese Anfrage nicht stellen.',
  'error.unsupported_response_type':
    'Die Anwendung hat eine Art von Antwort verlangt, die dieser Server nicht gibt.',
  'error.invalid_scope':
    'Die Anwendung hat einen Zugriff verlangt, den dieser Server ihr nicht anbietet.',
  'error.invalid_target':
    'Die Anwendung hat Zugriff auf einen Dienst verlangt, den dieser Server nicht kennt.',
  'error.access_denied': 'Der Zugriff wurde verweigert.',
  'error.server_error':
    'Auf dem Server ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut.',
  'error.temporarily_unavailable':
    'Der Server ist gerade ausgelastet oder nicht erreichbar. Bitte versuchen Sie es später erneut.',
  'error.invalid_request_uri':
    'Die Anfrage ist abgelaufen oder wurde bereits verwendet. Bitte beginnen Sie erneut in der Anwendung.',
  'error.invalid_redirect_uri':
    'Die Adresse, zu der Sie zurückgeleitet werden sollen, ist für diese Anwendung nicht registriert.',
  'error.invalid_grant': 'Die Autorisierung ist nicht mehr gültig.',
  'error.expired_token': 'Der Code ist abgelaufen. Bitte beginnen Sie erneut auf Ihrem Gerät.',
  'error.slow_down':
    'Zu viele Versuche. Bitte warten Sie einen Moment und versuchen Sie es erneut.',
  'error.login_required': 'Sie müssen sich zuerst anmelden.',
  'error.consent_required': 'Zuerst wird Ihre Zustimmung benötigt.',
  'error.interaction_required': 'Für diese Anfrage ist Ihre Mitwirkung nötig.',
  'apps.title': 'Autorisierte Apps',
  'apps.signedInAs': 'Angemeldet als {user}',
  'apps.none': 'Sie haben noch keine App autorisiert.',
  'apps.access': 'Zugriff: {scopes}',
  'apps.defaultAccess': 'Standard',
  'apps.authorized': 'Autorisiert am {date}',
  'apps.lastUsed': 'Zuletzt verwendet {time}',
  'apps.never': 'nie',
  'apps.revoke': 'Widerrufen',
  'apps.revokeLabel': 'Zugriff von {client} widerrufen',
  'logout.title': 'Von {site} abmelden?',
  'logout.signedInAs': 'Angemeldet als {user}',
  'logout.client': '{client} bittet Sie, sich von {site} abzumelden.',
  'logout.question': 'Möchten Sie sich von {site} abmelden?',
  'logout.yes': 'Ja, abmelden',
  'logout.no': 'Nein, angemeldet bleiben',
  'loggedOut.title': 'Abgemeldet',
  'loggedOut.body': 'Sie haben sich von {site} abgemeldet. Sie können diese Seite schließen.',
  'loggedOut.stayedTitle': 'Weiterhin angemeldet',
  'loggedOut.stayed': 'Sie sind bei {site} weiterhin angemeldet.',
  'loggedOut.return': 'Zurück zu {client}',
};
