/**
 * Japanese: the texts of the default views and of each error code.
 *
 * Rules:
 * - plain data with exactly the keys of the English catalog (./en.ts), checked
 *   by the compiler; `{name}` placeholders as there (word order is the
 *   catalog's: a placeholder may stand anywhere in the text).
 */
import type { Messages } from './en.js';

/** The Japanese catalog. */
export const ja: Messages = {
  'consent.title': '{client} にアクセスを許可しますか？',
  'consent.heading': '{client} があなたのアカウントへのアクセスを求めています',
  'consent.signedInAs': '{user} としてサインインしています',
  'consent.documentClient':
    'このアプリはこのサーバーの運営者によって事前登録されていません。{host} で自身の情報を公開しています。信頼できる場合のみ許可してください。',
  'consent.registeredClient':
    'このアプリは自身で登録したもので、このサーバーの運営者によって事前登録されていません。信頼できる場合のみ許可してください。',
  'consent.scopesIntro': '許可すると、{client} は次のことができるようになります:',
  'consent.noScopes': '{client} はあなたがサインインしていることの確認を求めています。',
  'consent.resourcesIntro': '対象:',
  'consent.remember': '{client} に対するこの選択を記憶する',
  'consent.userCode': 'デバイスにコード {code} が表示されている場合のみ許可してください。',
  'consent.redirectHost': 'この後、{host} に移動します。',
  'consent.deny': '拒否',
  'consent.allow': '許可',
  'consent.clientId': 'クライアント ID: {id}',
  'page.server': 'サーバー: {issuer}',
  'device.title': 'デバイスを接続',
  'device.intro': 'デバイスに表示されているコードを入力してください。',
  'device.codeLabel': 'コード',
  'device.continue': '続行',
  'device.invalidCode': 'このコードは無効です',
  'device.formExpired': 'このフォームの有効期限が切れました。もう一度コードを入力してください',
  'deviceDone.approvedTitle': 'デバイスが接続されました',
  'deviceDone.approved':
    '{client} はあなたのアカウントにアクセスできるようになりました。デバイスに戻ってください。',
  'deviceDone.deniedTitle': 'アクセスが拒否されました',
  'deviceDone.denied': '{client} のアクセスを拒否しました。このページは閉じてかまいません。',
  'error.title': '認可エラー',
  'error.heading': 'この認可リクエストは完了できません',
  'error.heading.apps': '承認済みアプリへのこの変更はできません',
  'error.heading.logout': 'このサインアウトリクエストは完了できません',
  'error.footer':
    'エラーコード: {code} (HTTP {status})。このページを閉じてアプリケーションに戻ってください。',
  'error.other': 'リクエストを完了できませんでした。',
  'error.invalid_request': 'リクエストに不足しているもの、または誤りがあります。',
  'error.invalid_client': 'このアプリケーションはこのサーバーに登録されていません。',
  'error.unauthorized_client': 'このアプリケーションはこのリクエストを行うことができません。',
  'error.unsupported_response_type':
    'アプリケーションが、このサーバーが対応していない種類の応答を求めました。',
  'error.invalid_scope': 'アプリケーションが、このサーバーが提供していないアクセスを求めました。',
  'error.invalid_target':
    'アプリケーションが、このサーバーの知らないサービスへのアクセスを求めました。',
  'error.access_denied': 'アクセスが拒否されました。',
  'error.server_error': 'サーバーで問題が発生しました。しばらくしてからもう一度お試しください。',
  'error.temporarily_unavailable':
    'サーバーが一時的に混雑しているか利用できません。しばらくしてからもう一度お試しください。',
  'error.invalid_request_uri':
    'リクエストの有効期限が切れたか、すでに使用されています。アプリケーションから最初からやり直してください。',
  'error.invalid_redirect_uri': '戻り先のアドレスがこのアプリケーションに登録されていません。',
  'error.invalid_grant': 'この認可はもう有効ではありません。',
  'error.expired_token': 'コードの有効期限が切れました。デバイスで最初からやり直してください。',
  'error.slow_down': '試行回数が多すぎます。少し待ってからもう一度お試しください。',
  'error.login_required': '先にサインインする必要があります。',
  'error.consent_required': '先にあなたの同意が必要です。',
  'error.interaction_required': 'このリクエストにはあなたの操作が必要です。',
  'apps.title': '許可したアプリ',
  'apps.signedInAs': '{user} としてサインイン中',
  'apps.none': '許可したアプリはありません。',
  'apps.access': 'アクセス: {scopes}',
  'apps.defaultAccess': '既定',
  'apps.authorized': '許可日 {date}',
  'apps.lastUsed': '最終使用 {time}',
  'apps.never': 'なし',
  'apps.revoke': '取り消す',
  'apps.revokeLabel': '{client} のアクセスを取り消す',
  'logout.title': '{site} からサインアウトしますか？',
  'logout.signedInAs': '{user} としてサインイン中',
  'logout.client': '{client} が {site} からのサインアウトを求めています。',
  'logout.question': '{site} からサインアウトしますか？',
  'logout.yes': 'はい、サインアウトします',
  'logout.no': 'いいえ、サインインしたままにします',
  'loggedOut.title': 'サインアウトしました',
  'loggedOut.body': '{site} からサインアウトしました。このページは閉じてかまいません。',
  'loggedOut.stayedTitle': 'サインインしたままです',
  'loggedOut.stayed': '{site} にはサインインしたままです。',
  'loggedOut.return': '{client} に戻る',
};
