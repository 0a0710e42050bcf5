/**
 * French: the texts of the default views and of each error code.
 *
 * Rules:
 * - plain data with exactly the keys of the English catalog (./en.ts), checked
 *   by the compiler; `{name}` placeholders as there.
 */
import type { Messages } from './en.js';

/** The French catalog. */
export const fr: Messages = {
  'consent.title': 'Autoriser l’accès à {client} ?',
  'consent.heading': '{client} souhaite accéder à votre compte',
  'consent.signedInAs': 'Connecté en tant que {user}',
  'consent.documentClient':
    'Cette application n’est pas enregistrée au préalable par l’opérateur de ce serveur. Elle se décrit elle-même sur {host}. Ne l’autorisez que si vous lui faites confiance.',
  'consent.registeredClient':
    'Cette application s’est enregistrée elle-même ; elle n’est pas enregistrée au préalable par l’opérateur de ce serveur. Ne l’autorisez que si vous lui faites confiance.',
  'consent.scopesIntro': 'Si vous l’autorisez, {client} pourra :',
  'consent.noScopes': '{client} demande à savoir que vous êtes connecté.',
  'consent.resourcesIntro': 'Uniquement sur :',
  'consent.remember': 'Mémoriser ma décision pour {client}',
  'consent.userCode': 'N’autorisez que si votre appareil affiche le code {code}.',
  'consent.redirectHost': 'Vous serez ensuite redirigé vers {host}.',
  'consent.deny': 'Refuser',
  'consent.allow': 'Autoriser',
  'consent.clientId': 'ID client : {id}',
  'page.server': 'Serveur : {issuer}',
  'device.title': 'Connecter un appareil',
  'device.intro': 'Saisissez le code affiché sur votre appareil.',
  'device.codeLabel': 'Code',
  'device.continue': 'Continuer',
  'device.invalidCode': 'ce code n’est pas valide',
  'device.formExpired': 'ce formulaire a expiré ; veuillez saisir le code à nouveau',
  'deviceDone.approvedTitle': 'Appareil connecté',
  'deviceDone.approved':
    '{client} peut maintenant accéder à votre compte. Vous pouvez revenir à votre appareil.',
  'deviceDone.deniedTitle': 'Accès refusé',
  'deviceDone.denied': 'Vous avez refusé l’accès à {client}. Vous pouvez fermer cette page.',
  'error.title': 'Erreur d’autorisation',
  'error.heading': 'Cette demande d’autorisation ne peut pas aboutir',
  'error.heading.apps': 'Cette modification de vos applications autorisées est impossible',
  'error.heading.logout': 'Cette demande de déconnexion ne peut pas aboutir',
  'error.footer':
    'Code d’erreur : {code} (HTTP {status}). Vous pouvez fermer cette page et revenir à l’application.',
  'error.other': 'La demande n’a pas pu aboutir.',
  'error.invalid_request':
    'Il manque quelque chose dans la demande, ou quelque chose y est incorrect.',
  'error.invalid_client': 'L’application est inconnue de ce serveur.',
  'error.unauthorized_client': 'L’application n’a pas le droit de faire cette demande.',
  'error.unsupported_response_type':
    'L’application a demandé un type de réponse que ce serveur ne fournit pas.',
  'error.invalid_scope': 'L’application a demandé un accès que ce serveur ne lui offre pas.',
  'error.invalid_target':
    'L’application a demandé l’accès à un service que ce serveur ne connaît pas.',
  'error.access_denied': 'L’accès a été refusé.',
  'error.server_error': 'Une erreur s’est produite sur le serveur. Veuillez réessayer plus tard.',
  'error.temporarily_unavailable':
    'Le serveur est momentanément occupé ou indisponible. Veuillez réessayer plus tard.',
  'error.invalid_request_uri':
    'La demande a expiré ou a déjà été utilisée. Veuillez recommencer depuis l’application.',
  'error.invalid_redirect_uri': 'L’adresse de retour n’est pas enregistrée pour cette application.',
  'error.invalid_grant': 'L’autorisation n’est plus valide.',
  'error.expired_token': 'Le code a expiré. Veuillez recommencer sur votre appareil.',
  'error.slow_down': 'Trop de tentatives. Veuillez patienter un instant et réessayer.',
  'error.login_required': 'Vous devez d’abord vous connecter.',
  'error.consent_required': 'Votre consentement est d’abord nécessaire.',
  'error.interaction_required': 'Cette demande nécessite votre intervention.',
  'apps.title': 'Applications autorisées',
  'apps.signedInAs': 'Connecté en tant que {user}',
  'apps.none': "Vous n'avez autorisé aucune application.",
  'apps.access': 'Accès : {scopes}',
  'apps.defaultAccess': 'par défaut',
  'apps.authorized': 'Autorisée le {date}',
  'apps.lastUsed': 'Dernière utilisation {time}',
  'apps.never': 'jamais',
  'apps.revoke': 'Révoquer',
  'apps.revokeLabel': "Révoquer l'accès de {client}",
  'logout.title': 'Se déconnecter de {site} ?',
  'logout.signedInAs': 'Connecté en tant que {user}',
  'logout.client': '{client} vous demande de vous déconnecter de {site}.',
  'logout.question': 'Voulez-vous vous déconnecter de {site} ?',
  'logout.yes': 'Oui, me déconnecter',
  'logout.no': 'Non, rester connecté',
  'loggedOut.title': 'Déconnexion effectuée',
  'loggedOut.body': 'Vous êtes déconnecté de {site}. Vous pouvez fermer cette page.',
  'loggedOut.stayedTitle': 'Toujours connecté',
  'loggedOut.stayed': 'Vous êtes toujours connecté à {site}.',
  'loggedOut.return': 'Revenir à {client}',
};
