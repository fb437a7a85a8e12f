/**
 * The widget's texts around the liveness check: status lines, errors and hints. In the loader, not the
 * chunk, so an error can be explained even when the chunk never loaded; the overlay's own texts travel
 * with the chunk (liveness/overlay-texts.ts) and cost the loader nothing.
 */
import type { LivenessHint } from '../../src/protocol/challenge-wire';
import type { Language } from './i18n';
import type { CaptureErrorCode } from './liveness-contract';
import type { LivenessPhase } from './widget-state';

export interface LivenessWidgetTexts {
  /** The checkbox's text while the overlay is open. */
  title: string;
  /** The widget's own status line while the overlay runs. */
  phases: Record<LivenessPhase, string>;
  captureErrors: Record<CaptureErrorCode, string>;
  /** `liveness-failed`: the service did not see a live person. */
  failed: string;
  /** `liveness-unavailable`: the chunk could not be loaded. */
  unavailable: string;
  hints: Record<LivenessHint, string>;
  /** The button that starts a camera-less (compute) check instead. */
  fallback: string;
}

export const LIVENESS_TEXTS: Record<Language, LivenessWidgetTexts> = {
  en: {
    title: 'Camera check',
    phases: {
      intro: 'Read the instructions, then press Start.',
      camera: 'Opening the camera…',
      guidance: 'Place your face in the frame.',
      script: 'Follow the prompts on screen.',
      done: 'Finishing…',
    },
    captureErrors: {
      'camera-unsupported': 'This browser cannot use a camera here.',
      'camera-not-found': 'No camera was found.',
      'camera-denied': 'Camera access was blocked. Allow it in your browser settings and try again.',
      'camera-in-use': 'The camera is in use by another app.',
      'camera-failed': 'The camera could not be started.',
      'landmarker-failed': 'The face detector could not be loaded.',
      'face-lost': 'Your face left the frame. Please try again.',
      'capture-cancelled': 'The camera check was cancelled.',
    },
    failed: 'We could not confirm a live person. Please try again.',
    unavailable: 'The camera check could not be loaded.',
    hints: {
      'face-not-found': 'Keep your whole face in the frame.',
      'prompts-missed': 'Follow each prompt while it is shown.',
      'flash-not-reflected': 'Stay close to the screen and face it; a dimmer room helps.',
      'evidence-invalid': 'The recording could not be used. Please try again.',
      'try-again': 'Try again in good, even light.',
    },
    fallback: 'Continue without camera',
  },
  de: {
    title: 'Kamera-Prüfung',
    phases: {
      intro: 'Lesen Sie die Hinweise und drücken Sie dann „Starten“.',
      camera: 'Kamera wird geöffnet…',
      guidance: 'Bringen Sie Ihr Gesicht in den Rahmen.',
      script: 'Folgen Sie den Anweisungen auf dem Bildschirm.',
      done: 'Wird abgeschlossen…',
    },
    captureErrors: {
      'camera-unsupported': 'Dieser Browser kann hier keine Kamera nutzen.',
      'camera-not-found': 'Es wurde keine Kamera gefunden.',
      'camera-denied':
        'Der Kamerazugriff wurde blockiert. Erlauben Sie ihn in den Browsereinstellungen und versuchen Sie es erneut.',
      'camera-in-use': 'Die Kamera wird von einer anderen App verwendet.',
      'camera-failed': 'Die Kamera konnte nicht gestartet werden.',
      'landmarker-failed': 'Die Gesichtserkennung konnte nicht geladen werden.',
      'face-lost': 'Ihr Gesicht hat den Rahmen verlassen. Bitte erneut versuchen.',
      'capture-cancelled': 'Die Kamera-Prüfung wurde abgebrochen.',
    },
    failed: 'Wir konnten keinen lebenden Menschen erkennen. Bitte erneut versuchen.',
    unavailable: 'Die Kamera-Prüfung konnte nicht geladen werden.',
    hints: {
      'face-not-found': 'Halten Sie Ihr ganzes Gesicht im Rahmen.',
      'prompts-missed': 'Folgen Sie jeder Anweisung, solange sie angezeigt wird.',
      'flash-not-reflected': 'Bleiben Sie nah am Bildschirm und schauen Sie ihn an; ein dunklerer Raum hilft.',
      'evidence-invalid': 'Die Aufnahme war nicht verwendbar. Bitte erneut versuchen.',
      'try-again': 'Versuchen Sie es erneut bei gutem, gleichmäßigem Licht.',
    },
    fallback: 'Ohne Kamera fortfahren',
  },
  fr: {
    title: 'Vérification par caméra',
    phases: {
      intro: 'Lisez les consignes, puis appuyez sur « Commencer ».',
      camera: 'Ouverture de la caméra…',
      guidance: 'Placez votre visage dans le cadre.',
      script: 'Suivez les consignes à l’écran.',
      done: 'Finalisation…',
    },
    captureErrors: {
      'camera-unsupported': 'Ce navigateur ne peut pas utiliser de caméra ici.',
      'camera-not-found': 'Aucune caméra n’a été trouvée.',
      'camera-denied':
        'L’accès à la caméra a été bloqué. Autorisez-le dans les réglages du navigateur, puis réessayez.',
      'camera-in-use': 'La caméra est utilisée par une autre application.',
      'camera-failed': 'La caméra n’a pas pu démarrer.',
      'landmarker-failed': 'Le détecteur de visage n’a pas pu se charger.',
      'face-lost': 'Votre visage a quitté le cadre. Réessayez.',
      'capture-cancelled': 'La vérification par caméra a été annulée.',
    },
    failed: 'Nous n’avons pas pu confirmer une personne réelle. Réessayez.',
    unavailable: 'La vérification par caméra n’a pas pu se charger.',
    hints: {
      'face-not-found': 'Gardez tout votre visage dans le cadre.',
      'prompts-missed': 'Suivez chaque consigne tant qu’elle est affichée.',
      'flash-not-reflected': 'Restez près de l’écran, face à lui ; une pièce plus sombre aide.',
      'evidence-invalid': 'L’enregistrement est inutilisable. Réessayez.',
      'try-again': 'Réessayez sous une lumière bonne et uniforme.',
    },
    fallback: 'Continuer sans caméra',
  },
  es: {
    title: 'Verificación con cámara',
    phases: {
      intro: 'Lea las instrucciones y pulse «Empezar».',
      camera: 'Abriendo la cámara…',
      guidance: 'Coloque su cara en el marco.',
      script: 'Siga las indicaciones de la pantalla.',
      done: 'Finalizando…',
    },
    captureErrors: {
      'camera-unsupported': 'Este navegador no puede usar una cámara aquí.',
      'camera-not-found': 'No se encontró ninguna cámara.',
      'camera-denied': 'Se bloqueó el acceso a la cámara. Permítalo en los ajustes del navegador e inténtelo de nuevo.',
      'camera-in-use': 'Otra aplicación está usando la cámara.',
      'camera-failed': 'No se pudo iniciar la cámara.',
      'landmarker-failed': 'No se pudo cargar el detector de caras.',
      'face-lost': 'Su cara salió del marco. Inténtelo de nuevo.',
      'capture-cancelled': 'Se canceló la verificación con cámara.',
    },
    failed: 'No pudimos confirmar que sea una persona real. Inténtelo de nuevo.',
    unavailable: 'No se pudo cargar la verificación con cámara.',
    hints: {
      'face-not-found': 'Mantenga toda la cara dentro del marco.',
      'prompts-missed': 'Siga cada indicación mientras se muestra.',
      'flash-not-reflected': 'Quédese cerca de la pantalla y mírela de frente; una habitación más oscura ayuda.',
      'evidence-invalid': 'No se pudo usar la grabación. Inténtelo de nuevo.',
      'try-again': 'Inténtelo de nuevo con una luz buena y uniforme.',
    },
    fallback: 'Continuar sin cámara',
  },
  pt: {
    title: 'Verificação por câmera',
    phases: {
      intro: 'Leia as instruções e toque em “Começar”.',
      camera: 'Abrindo a câmera…',
      guidance: 'Posicione o rosto no quadro.',
      script: 'Siga as instruções na tela.',
      done: 'Finalizando…',
    },
    captureErrors: {
      'camera-unsupported': 'Este navegador não pode usar uma câmera aqui.',
      'camera-not-found': 'Nenhuma câmera foi encontrada.',
      'camera-denied': 'O acesso à câmera foi bloqueado. Permita-o nas configurações do navegador e tente novamente.',
      'camera-in-use': 'A câmera está sendo usada por outro app.',
      'camera-failed': 'Não foi possível iniciar a câmera.',
      'landmarker-failed': 'Não foi possível carregar o detector de rosto.',
      'face-lost': 'Seu rosto saiu do quadro. Tente novamente.',
      'capture-cancelled': 'A verificação por câmera foi cancelada.',
    },
    failed: 'Não conseguimos confirmar uma pessoa real. Tente novamente.',
    unavailable: 'Não foi possível carregar a verificação por câmera.',
    hints: {
      'face-not-found': 'Mantenha o rosto inteiro no quadro.',
      'prompts-missed': 'Siga cada instrução enquanto ela aparece.',
      'flash-not-reflected': 'Fique perto da tela, de frente para ela; um ambiente mais escuro ajuda.',
      'evidence-invalid': 'Não foi possível usar a gravação. Tente novamente.',
      'try-again': 'Tente novamente com luz boa e uniforme.',
    },
    fallback: 'Continuar sem câmera',
  },
  zh: {
    title: '摄像头验证',
    phases: {
      intro: '请阅读说明，然后点击“开始”。',
      camera: '正在打开摄像头…',
      guidance: '请将脸置于框内。',
      script: '请按屏幕上的提示操作。',
      done: '正在完成…',
    },
    captureErrors: {
      'camera-unsupported': '此浏览器无法在这里使用摄像头。',
      'camera-not-found': '未找到摄像头。',
      'camera-denied': '摄像头权限被阻止。请在浏览器设置中允许，然后重试。',
      'camera-in-use': '摄像头正被其他应用使用。',
      'camera-failed': '无法启动摄像头。',
      'landmarker-failed': '无法加载人脸检测器。',
      'face-lost': '您的脸离开了画面，请重试。',
      'capture-cancelled': '摄像头验证已取消。',
    },
    failed: '无法确认您是真人，请重试。',
    unavailable: '无法加载摄像头验证。',
    hints: {
      'face-not-found': '请让整张脸保持在框内。',
      'prompts-missed': '请在每个提示显示时照做。',
      'flash-not-reflected': '请靠近并正对屏幕；在较暗的房间里效果更好。',
      'evidence-invalid': '录制内容无法使用，请重试。',
      'try-again': '请在光线充足、均匀的地方重试。',
    },
    fallback: '不使用摄像头继续',
  },
};
