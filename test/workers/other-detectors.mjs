// A module whose set is not the calling thread's: the Defender preset without its first detector.
import { defenderDetectors } from '@tripline/detectors-defender';

export default defenderDetectors.slice(1);
