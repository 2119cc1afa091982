/** The fixed generation time of the golden report. */
export declare const GOLDEN_GENERATED_AT: string;
/** The input name the golden report records (not the absolute path of whoever regenerates it). */
export declare const GOLDEN_SOURCE_NAME: string;
