/** Which side of a session this machine plays. */
export type Role = 'novice' | 'helper';
