/**
 * Spanish: the texts of the default views and of each error code.
 *
 * Rules:
 * - plain data with exactly the keys of the English catalog (./en.ts), checked
 *   by the compiler; `{name}` placeholders as there.
 */
import type { Messages } from './en.js';

/** The Spanish catalog. */
export const es: Messages = {
  'consent.title': '¿Permitir el acceso a {client}?',
  'consent.heading': '{client} quiere acceder a tu cuenta',
  'consent.signedInAs': 'Has iniciado sesión como {user}',
  'consent.documentClient':
    'El operador de este servidor no ha registrado previamente esta aplicación. Se describe a sí misma en {host}. Permítelo solo si confías en ella.',
  'consent.registeredClient':
    'Esta aplicación se registró a sí misma; el operador de este servidor no la ha registrado previamente. Permítelo solo si confías en ella.',
  'consent.scopesIntro': 'Si lo permites, {client} podrá:',
  'consent.noScopes': '{client} quiere saber que has iniciado sesión.',
  'consent.resourcesIntro': 'Solo en:',
  'consent.remember': 'Recordar mi decisión para {client}',
  'consent.userCode': 'Permítelo solo si tu dispositivo muestra el código {code}.',
  'consent.redirectHost': 'Después se te enviará a {host}.',
  'consent.deny': 'Denegar',
  'consent.allow': 'Permitir',
  'consent.clientId': 'ID de cliente: {id}',
  'page.server': 'Servidor: {issuer}',
  'device.title': 'Conectar un dispositivo',
  'device.intro': 'Introduce el código que muestra tu dispositivo.',
  'device.codeLabel': 'Código',
  'device.continue': 'Continuar',
  'device.invalidCode': 'ese código no es válido',
  'device.formExpired': 'este formulario ha caducado; vuelve a introducir el código',
  'deviceDone.approvedTitle': 'Dispositivo conectado',
  'deviceDone.approved': '{client} ya puede acceder a tu cuenta. Puedes volver a tu dispositivo.',
  'deviceDone.deniedTitle': 'Acceso denegado',
  'deviceDone.denied': 'Has denegado el acceso a {client}. Puedes cerrar esta página.',
  'error.title': 'Error de autorización',
  'error.heading': 'Esta solicitud de autorización no se puede completar',
  'error.heading.apps': 'No se puede realizar este cambio en sus aplicaciones autorizadas',
  'error.heading.logout': 'Esta solicitud de cierre de sesión no se puede completar',
  'error.footer':
    'Código de error: {code} (HTTP {status}). Puedes cerrar esta página y volver a la aplicación.',
  'error.other': 'No se pudo completar la solicitud.',
  'error.invalid_request': 'A la solicitud le falta algo, o algo en ella es incorrecto.',
  'error.invalid_client': 'Este servidor no conoce la aplicación.',
  'error.unauthorized_client': 'La aplicación no puede hacer esta solicitud.',
  'error.unsupported_response_type':
    'La aplicación pidió un tipo de respuesta que este servidor no da.',
  'error.invalid_scope': 'La aplicación pidió un acceso que este servidor no le ofrece.',
  'error.invalid_target': 'La aplicación pidió acceso a un servicio que este servidor no conoce.',
  'error.access_denied': 'Se denegó el acceso.',
  'error.server_error': 'Algo salió mal en el servidor. Inténtalo de nuevo más tarde.',
  'error.temporarily_unavailable':
    'El servidor está ocupado o no disponible por un momento. Inténtalo de nuevo más tarde.',
  'error.invalid_request_uri':
    'La solicitud ha caducado o ya se usó. Vuelve a empezar desde la aplicación.',
  'error.invalid_redirect_uri':
    'La dirección a la que volver no está registrada para esta aplicación.',
  'error.invalid_grant': 'La autorización ya no es válida.',
  'error.expired_token': 'El código ha caducado. Vuelve a empezar en tu dispositivo.',
  'error.slow_down': 'Demasiados intentos. Espera un momento y vuelve a intentarlo.',
  'error.login_required': 'Primero tienes que iniciar sesión.',
  'error.consent_required': 'Primero se necesita tu consentimiento.',
  'error.interaction_required': 'Esta solicitud necesita tu intervención.',
  'apps.title': 'Aplicaciones autorizadas',
  'apps.signedInAs': 'Sesión iniciada como {user}',
  'apps.none': 'No ha autorizado ninguna aplicación.',
  'apps.access': 'Acceso: {scopes}',
  'apps.defaultAccess': 'predeterminado',
  'apps.authorized': 'Autorizada el {date}',
  'apps.lastUsed': 'Último uso {time}',
  'apps.never': 'nunca',
  'apps.revoke': 'Revocar',
  'apps.revokeLabel': 'Revocar el acceso de {client}',
  'logout.title': '¿Cerrar sesión en {site}?',
  'logout.signedInAs': 'Sesión iniciada como {user}',
  'logout.client': '{client} te pide que cierres sesión en {site}.',
  'logout.question': '¿Quieres cerrar sesión en {site}?',
  'logout.yes': 'Sí, cerrar sesión',
  'logout.no': 'No, mantener la sesión',
  'loggedOut.title': 'Sesión cerrada',
  'loggedOut.body': 'Has cerrado sesión en {site}. Puedes cerrar esta página.',
  'loggedOut.stayedTitle': 'Sesión todavía iniciada',
  'loggedOut.stayed': 'Sigues con la sesión iniciada en {site}.',
  'loggedOut.return': 'Volver a {client}',
};
