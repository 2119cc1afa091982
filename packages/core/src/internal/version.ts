/** The version of the tripline packages (one fixed version for all of them). */
export const VERSION: string = '0.1.0';
