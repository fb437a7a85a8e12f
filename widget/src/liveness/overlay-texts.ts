/**
 * The overlay's texts, one table per widget language. They ship in the chunk, not the loader: only a
 * visitor who meets a liveness check downloads them.
 */
import type { Language } from '../i18n';
import type { LivenessTexts } from '../liveness-contract';

export const OVERLAY_TEXTS: Record<Language, LivenessTexts> = {
  en: {
    title: 'Camera check',
    intro:
      'To show you are a live person, look at the camera and follow a few short prompts. Warning: the screen will flash colours for a few seconds. If flashing lights can affect you, do not continue. Your image is used only for this check and is not stored.',
    start: 'Start',
    cancel: 'Cancel',
    recording: 'Camera on',
    preparing: 'Starting the camera…',
    guidance: {
      'no-face': 'Show your face to the camera.',
      'several-faces': 'Only one face, please.',
      'too-far': 'Come a little closer.',
      'too-close': 'Move back a little.',
      'off-centre': 'Centre your face in the frame.',
      'too-dark': 'Find more light.',
      ok: 'Good. Stay like this.',
    },
    prompts: {
      'turn-left': 'Turn your head left',
      'turn-right': 'Turn your head right',
      'look-up': 'Look up',
      blink: 'Blink',
      smile: 'Smile',
      'open-mouth': 'Open your mouth',
    },
    rest: 'Look straight at the camera.',
    holdStill: 'Hold still and face the screen.',
  },
  de: {
    title: 'Kamera-Prüfung',
    intro:
      'Zeigen Sie, dass Sie ein lebender Mensch sind: Schauen Sie in die Kamera und folgen Sie ein paar kurzen Anweisungen. Achtung: Der Bildschirm blinkt einige Sekunden lang farbig. Wenn Lichtblitze Ihnen schaden können, fahren Sie nicht fort. Ihr Bild dient nur dieser Prüfung und wird nicht gespeichert.',
    start: 'Starten',
    cancel: 'Abbrechen',
    recording: 'Kamera an',
    preparing: 'Kamera wird gestartet…',
    guidance: {
      'no-face': 'Zeigen Sie der Kamera Ihr Gesicht.',
      'several-faces': 'Bitte nur ein Gesicht.',
      'too-far': 'Kommen Sie etwas näher.',
      'too-close': 'Gehen Sie etwas zurück.',
      'off-centre': 'Bringen Sie Ihr Gesicht in die Mitte des Rahmens.',
      'too-dark': 'Suchen Sie mehr Licht.',
      ok: 'Gut. Bleiben Sie so.',
    },
    prompts: {
      'turn-left': 'Kopf nach links drehen',
      'turn-right': 'Kopf nach rechts drehen',
      'look-up': 'Nach oben schauen',
      blink: 'Blinzeln',
      smile: 'Lächeln',
      'open-mouth': 'Mund öffnen',
    },
    rest: 'Schauen Sie direkt in die Kamera.',
    holdStill: 'Stillhalten und auf den Bildschirm schauen.',
  },
  fr: {
    title: 'Vérification par caméra',
    intro:
      'Pour montrer que vous êtes une personne réelle, regardez la caméra et suivez quelques consignes courtes. Attention : l’écran va clignoter en couleurs pendant quelques secondes. Si les lumières clignotantes peuvent vous affecter, ne continuez pas. Votre image sert uniquement à cette vérification et n’est pas conservée.',
    start: 'Commencer',
    cancel: 'Annuler',
    recording: 'Caméra active',
    preparing: 'Démarrage de la caméra…',
    guidance: {
      'no-face': 'Montrez votre visage à la caméra.',
      'several-faces': 'Un seul visage, s’il vous plaît.',
      'too-far': 'Approchez-vous un peu.',
      'too-close': 'Reculez un peu.',
      'off-centre': 'Centrez votre visage dans le cadre.',
      'too-dark': 'Cherchez plus de lumière.',
      ok: 'Bien. Restez ainsi.',
    },
    prompts: {
      'turn-left': 'Tournez la tête à gauche',
      'turn-right': 'Tournez la tête à droite',
      'look-up': 'Regardez vers le haut',
      blink: 'Clignez des yeux',
      smile: 'Souriez',
      'open-mouth': 'Ouvrez la bouche',
    },
    rest: 'Regardez droit vers la caméra.',
    holdStill: 'Ne bougez plus et regardez l’écran.',
  },
  es: {
    title: 'Verificación con cámara',
    intro:
      'Para demostrar que es una persona real, mire a la cámara y siga unas breves indicaciones. Atención: la pantalla parpadeará en colores durante unos segundos. Si las luces intermitentes pueden afectarle, no continúe. Su imagen solo se usa para esta verificación y no se guarda.',
    start: 'Empezar',
    cancel: 'Cancelar',
    recording: 'Cámara activa',
    preparing: 'Iniciando la cámara…',
    guidance: {
      'no-face': 'Muestre su cara a la cámara.',
      'several-faces': 'Solo una cara, por favor.',
      'too-far': 'Acérquese un poco.',
      'too-close': 'Aléjese un poco.',
      'off-centre': 'Centre su cara en el marco.',
      'too-dark': 'Busque más luz.',
      ok: 'Bien. Quédese así.',
    },
    prompts: {
      'turn-left': 'Gire la cabeza a la izquierda',
      'turn-right': 'Gire la cabeza a la derecha',
      'look-up': 'Mire hacia arriba',
      blink: 'Parpadee',
      smile: 'Sonría',
      'open-mouth': 'Abra la boca',
    },
    rest: 'Mire directamente a la cámara.',
    holdStill: 'No se mueva y mire la pantalla.',
  },
  pt: {
    title: 'Verificação por câmera',
    intro:
      'Para mostrar que você é uma pessoa real, olhe para a câmera e siga algumas instruções curtas. Atenção: a tela vai piscar em cores por alguns segundos. Se luzes piscando podem afetar você, não continue. Sua imagem é usada só para esta verificação e não é guardada.',
    start: 'Começar',
    cancel: 'Cancelar',
    recording: 'Câmera ligada',
    preparing: 'Iniciando a câmera…',
    guidance: {
      'no-face': 'Mostre o rosto para a câmera.',
      'several-faces': 'Apenas um rosto, por favor.',
      'too-far': 'Chegue um pouco mais perto.',
      'too-close': 'Afaste-se um pouco.',
      'off-centre': 'Centralize o rosto no quadro.',
      'too-dark': 'Procure mais luz.',
      ok: 'Bom. Fique assim.',
    },
    prompts: {
      'turn-left': 'Vire a cabeça para a esquerda',
      'turn-right': 'Vire a cabeça para a direita',
      'look-up': 'Olhe para cima',
      blink: 'Pisque',
      smile: 'Sorria',
      'open-mouth': 'Abra a boca',
    },
    rest: 'Olhe diretamente para a câmera.',
    holdStill: 'Não se mexa e olhe para a tela.',
  },
  zh: {
    title: '摄像头验证',
    intro:
      '为证明您是真人，请看向摄像头，并按几个简短的提示操作。注意：屏幕将闪烁彩色光几秒钟。如果闪光可能对您有影响，请不要继续。您的图像仅用于本次验证，不会被保存。',
    start: '开始',
    cancel: '取消',
    recording: '摄像头已开启',
    preparing: '正在启动摄像头…',
    guidance: {
      'no-face': '请让摄像头看到您的脸。',
      'several-faces': '画面中只能有一张脸。',
      'too-far': '请靠近一点。',
      'too-close': '请离远一点。',
      'off-centre': '请把脸移到框的中央。',
      'too-dark': '光线太暗，请找更亮的地方。',
      ok: '很好，请保持。',
    },
    prompts: {
      'turn-left': '向左转头',
      'turn-right': '向右转头',
      'look-up': '向上看',
      blink: '眨眼',
      smile: '微笑',
      'open-mouth': '张嘴',
    },
    rest: '请直视摄像头。',
    holdStill: '请保持不动，面向屏幕。',
  },
};

export function overlayTextsFor(language: string): LivenessTexts {
  return Object.hasOwn(OVERLAY_TEXTS, language) ? OVERLAY_TEXTS[language as Language] : OVERLAY_TEXTS.en;
}
