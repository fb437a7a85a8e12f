/**
 * The widget's texts. Six small tables cost about 1.5 KB gzipped (3 KB with the liveness check's errors
 * and hints; the overlay's texts are in the liveness chunk), so they ship inside the loader rather than as per-locale chunks, which would need one more request before
 * the widget can render.
 */
import type { LivenessWidgetTexts } from './i18n-liveness';
import { LIVENESS_TEXTS } from './i18n-liveness';
import { CAPTURE_ERROR_CODES } from './liveness-contract';
import type { CaptureErrorCode } from './liveness-contract';

interface BaseTexts {
  label: string;
  fetching: string;
  solving: string;
  verifying: string;
  solved: string;
  expired: string;
  retry: string;
  progress: string;
  brand: string;
  errConfig: string;
  errNetwork: string;
  errRate: string;
  errFailed: string;
  errBrowser: string;
}

export interface Texts extends BaseTexts {
  liveness: LivenessWidgetTexts;
}

export const LANGUAGES = ['en', 'de', 'fr', 'es', 'pt', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

const TEXTS: Record<Language, BaseTexts> = {
  en: {
    label: 'I am human',
    fetching: 'Preparing…',
    solving: 'Verifying…',
    verifying: 'Checking…',
    solved: 'Verified',
    expired: 'Verification expired. Verify again.',
    retry: 'Retry',
    progress: 'Verification progress',
    brand: 'Protected by PeerProof',
    errConfig: 'This site’s verification is not set up correctly.',
    errNetwork: 'Could not reach the verification service.',
    errRate: 'Too many attempts. Please wait a moment.',
    errFailed: 'Verification failed. Please try again.',
    errBrowser: 'Your browser could not run the verification.',
  },
  de: {
    label: 'Ich bin ein Mensch',
    fetching: 'Wird vorbereitet…',
    solving: 'Wird geprüft…',
    verifying: 'Wird überprüft…',
    solved: 'Bestätigt',
    expired: 'Bestätigung abgelaufen. Bitte erneut bestätigen.',
    retry: 'Erneut versuchen',
    progress: 'Fortschritt der Prüfung',
    brand: 'Geschützt durch PeerProof',
    errConfig: 'Die Prüfung dieser Website ist falsch eingerichtet.',
    errNetwork: 'Der Prüfdienst ist nicht erreichbar.',
    errRate: 'Zu viele Versuche. Bitte kurz warten.',
    errFailed: 'Prüfung fehlgeschlagen. Bitte erneut versuchen.',
    errBrowser: 'Ihr Browser konnte die Prüfung nicht ausführen.',
  },
  fr: {
    label: 'Je suis humain',
    fetching: 'Préparation…',
    solving: 'Vérification…',
    verifying: 'Contrôle…',
    solved: 'Vérifié',
    expired: 'La vérification a expiré. Vérifiez à nouveau.',
    retry: 'Réessayer',
    progress: 'Progression de la vérification',
    brand: 'Protégé par PeerProof',
    errConfig: 'La vérification de ce site est mal configurée.',
    errNetwork: 'Le service de vérification est injoignable.',
    errRate: 'Trop de tentatives. Patientez un instant.',
    errFailed: 'La vérification a échoué. Réessayez.',
    errBrowser: 'Votre navigateur n’a pas pu effectuer la vérification.',
  },
  es: {
    label: 'Soy humano',
    fetching: 'Preparando…',
    solving: 'Verificando…',
    verifying: 'Comprobando…',
    solved: 'Verificado',
    expired: 'La verificación caducó. Verifique de nuevo.',
    retry: 'Reintentar',
    progress: 'Progreso de la verificación',
    brand: 'Protegido por PeerProof',
    errConfig: 'La verificación de este sitio no está bien configurada.',
    errNetwork: 'No se pudo contactar con el servicio de verificación.',
    errRate: 'Demasiados intentos. Espere un momento.',
    errFailed: 'La verificación falló. Inténtelo de nuevo.',
    errBrowser: 'Su navegador no pudo realizar la verificación.',
  },
  pt: {
    label: 'Sou humano',
    fetching: 'Preparando…',
    solving: 'Verificando…',
    verifying: 'Conferindo…',
    solved: 'Verificado',
    expired: 'A verificação expirou. Verifique novamente.',
    retry: 'Tentar novamente',
    progress: 'Progresso da verificação',
    brand: 'Protegido por PeerProof',
    errConfig: 'A verificação deste site não está configurada corretamente.',
    errNetwork: 'Não foi possível contatar o serviço de verificação.',
    errRate: 'Tentativas demais. Aguarde um momento.',
    errFailed: 'A verificação falhou. Tente novamente.',
    errBrowser: 'Seu navegador não conseguiu executar a verificação.',
  },
  zh: {
    label: '我是人类',
    fetching: '正在准备验证…',
    solving: '正在验证…',
    verifying: '正在核对…',
    solved: '验证成功',
    expired: '验证已过期，请重新验证。',
    retry: '重试',
    progress: '验证进度',
    brand: '由 PeerProof 保护',
    errConfig: '本网站的验证配置有误。',
    errNetwork: '无法连接验证服务。',
    errRate: '尝试次数过多，请稍候。',
    errFailed: '验证失败，请重试。',
    errBrowser: '您的浏览器无法完成验证。',
  },
};

/**
 * The first supported language among the candidates (the `language` option first, then the browser's
 * preferences), matching on the primary subtag so `pt-BR` and `zh-Hant-TW` find `pt` and `zh`.
 */
export function pickLanguage(candidates: readonly (string | null | undefined)[]): Language {
  for (const candidate of candidates) {
    const primary = (candidate ?? '').trim().toLowerCase().split(/[-_]/)[0];
    if ((LANGUAGES as readonly string[]).includes(primary)) return primary as Language;
  }
  return 'en';
}

export function textsFor(language: Language): Texts {
  return { ...TEXTS[language], liveness: LIVENESS_TEXTS[language] };
}

/** The message that explains an error code to the visitor. */
export function errorText(texts: Texts, code: string): string {
  if ((CAPTURE_ERROR_CODES as readonly string[]).includes(code)) {
    return texts.liveness.captureErrors[code as CaptureErrorCode];
  }
  if (code === 'liveness-failed') return texts.liveness.failed;
  if (code === 'liveness-unavailable') return texts.liveness.unavailable;
  return texts[errorTextKey(code)];
}

/** Which of the general messages explains an error code (the liveness check's have their own). */
export function errorTextKey(code: string): keyof BaseTexts {
  if (CONFIG_ERRORS.has(code)) return 'errConfig';
  if (code === 'rate-limited') return 'errRate';
  if (code === 'network-error') return 'errNetwork';
  if (BROWSER_ERRORS.has(code)) return 'errBrowser';
  return 'errFailed';
}

const CONFIG_ERRORS = new Set([
  'unknown-sitekey',
  'hostname-not-allowed',
  'origin-required',
  'invalid-request',
  'level-unavailable',
  'missing-sitekey',
]);

const BROWSER_ERRORS = new Set(['worker-unavailable', 'runtime-unavailable', 'insecure-context', 'inference-error']);
