/**
 * The labelled frames of the shared live-faces recordings (their README), as the face-analysis evaluation
 * and its test read them. Half blinks, "eyes down" and the tilting two-person clip are left out: a label
 * nobody could check by eye does not score an estimator.
 */

export type FaceLabel = 'rest' | 'blink' | 'mouth-open' | 'talk' | 'turn' | 'frontal' | 'smile';

export interface LabelledClip {
  /** Folder under the live-faces root. */
  clip: string;
  /** One id per person across clips (identity pairs). */
  person: string;
  /** Frame ranges, both ends included. */
  labels: Partial<Record<FaceLabel, Array<[number, number]>>>;
  frames: number;
}

export const LABELLED_CLIPS: readonly LabelledClip[] = [
  {
    clip: 'grid/bbaf2n',
    person: 'bbaf2n',
    frames: 75,
    labels: {
      rest: [
        [0, 14],
        [58, 74],
      ],
      talk: [
        [15, 42],
        [45, 50],
        [55, 57],
      ],
      blink: [[51, 54]],
    },
  },
  {
    clip: 'grid/brbk7n',
    person: 'brbk7n',
    frames: 75,
    labels: {
      rest: [
        [0, 14],
        [56, 74],
      ],
      talk: [
        [15, 20],
        [24, 55],
      ],
      blink: [[21, 23]],
    },
  },
  {
    clip: 'grid/lbax4n',
    person: 'lbax4n',
    frames: 75,
    labels: {
      'mouth-open': [
        [0, 15],
        [45, 49],
      ],
      talk: [
        [16, 26],
        [30, 44],
        [50, 52],
      ],
      rest: [[53, 74]],
    },
  },
  { clip: 'grid/lbbc2a', person: 'lbbc2a', frames: 75, labels: { talk: [[0, 74]] } },
  {
    clip: 'grid/lrwp9a',
    person: 'lrwp9a',
    frames: 75,
    labels: {
      rest: [
        [0, 6],
        [58, 63],
      ],
      talk: [
        [7, 35],
        [39, 57],
      ],
      blink: [[36, 38]],
    },
  },
  { clip: 'grid/lwbsza', person: 'lwbsza', frames: 75, labels: { talk: [[0, 60]], rest: [[61, 74]] } },
  {
    clip: 'intel/head-pose-face-detection-female',
    person: 'intel-female',
    frames: 23,
    // "Turn toward image-left ~45°": her own right, so yaw < 0. 8–9 turn back, 10–15 slight turn: unlabelled.
    labels: { turn: [[0, 7]], frontal: [[16, 22]] },
  },
  { clip: 'intel/head-pose-face-detection-male', person: 'intel-male', frames: 62, labels: { smile: [[0, 61]] } },
];

export function framesOf(clip: LabelledClip, label: FaceLabel): number[] {
  const frames: number[] = [];
  for (const [from, to] of clip.labels[label] ?? []) for (let f = from; f <= to; f++) frames.push(f);
  return frames;
}

export function frameFile(frame: number): string {
  return `frame_${String(frame).padStart(3, '0')}.jpg`;
}
