/**
 * US states whose law allows calls and texts to a consumer in fewer hours than the clinic's
 * default quiet hours do (08:00 to 21:00). The laws are written for telephone solicitation; a
 * clinic's care messages are applied the same hours anyway, since a text at 20:30 costs a
 * patient little to wait for and a clinic a great deal to defend. Hours are the called party's
 * local time: the plan's zone (the patient's, else the clinic's). Public holidays some states
 * also bar are not modelled. Each rule names the statute it was read from; re-read them with
 * counsel before relying on them.
 */

/** A day's allowed hours, [from, to) in local wall-clock time; null: no messages that day. */
export type DayWindow = { from: string; to: string } | null;

export interface CallingHourRule {
  /** Two-letter USPS code. */
  state: string;
  /** Monday to Sunday's allowed hours (luxon weekday 1 is Monday). */
  week: readonly [DayWindow, DayWindow, DayWindow, DayWindow, DayWindow, DayWindow, DayWindow];
  /** The statute, as cited. */
  source: string;
  url?: string;
}

const everyDay = (from: string, to: string): CallingHourRule['week'] => {
  const day = { from, to };
  return [day, day, day, day, day, day, day];
};

const texas = { from: '09:00', to: '21:00' };

export const callingHourRules: readonly CallingHourRule[] = [
  { state: 'FL', week: everyDay('08:00', '20:00'),
    source: 'Fla. Stat. § 501.616(6)(a), as amended by ch. 2021-185 (SB 1120): not before 8 a.m. or after 8 p.m. at the called person\'s location',
    url: 'https://www.flsenate.gov/Laws/Statutes/2024/501.616' },
  { state: 'OK', week: everyDay('08:00', '20:00'),
    source: 'Okla. Stat. tit. 15, § 775C.4 (Telephone Solicitation Act of 2022): not before 8 a.m. or after 8 p.m. at the called party\'s location' },
  { state: 'MD', week: everyDay('08:00', '20:00'),
    source: 'Md. Code, Com. Law § 14-4503 (Stop the Spam Calls Act of 2023): not before 8 a.m. or after 8 p.m. at the called party\'s location' },
  { state: 'WA', week: everyDay('08:00', '20:00'),
    source: 'RCW 80.36.390(3): no telephone solicitation before 8:00 a.m. or after 8:00 p.m.',
    url: 'https://app.leg.wa.gov/RCW/default.aspx?cite=80.36.390' },
  { state: 'MA', week: everyDay('08:00', '20:00'),
    source: 'Mass. Gen. Laws ch. 159C, § 3: no unsolicited telephonic sales call before 8 a.m. or after 8 p.m.' },
  { state: 'CT', week: everyDay('09:00', '20:00'),
    source: 'Conn. Gen. Stat. § 42-288a: no telephonic sales call before 9 a.m. or after 8 p.m. local time of the consumer' },
  { state: 'KY', week: everyDay('10:00', '21:00'),
    source: 'KRS 367.46955: a telephone solicitation before 10 a.m. or after 9 p.m. is a prohibited practice' },
  { state: 'MI', week: everyDay('09:00', '21:00'),
    source: 'MCL 445.111b(1): no telephone solicitation between 9 p.m. and 9 a.m.' },
  { state: 'MN', week: everyDay('09:00', '21:00'),
    source: 'Minn. Stat. § 325E.27: no telephone solicitation before 9 a.m. or after 9 p.m.' },
  { state: 'TX',
    week: [texas, texas, texas, texas, texas, texas, { from: '12:00', to: '21:00' }],
    source: 'Tex. Bus. & Com. Code § 301.051: 9 a.m. to 9 p.m. Monday to Saturday, noon to 9 p.m. on Sunday' },
  { state: 'RI',
    week: [{ from: '09:00', to: '18:00' }, { from: '09:00', to: '18:00' }, { from: '09:00', to: '18:00' }, { from: '09:00', to: '18:00' },
      { from: '09:00', to: '18:00' }, { from: '10:00', to: '17:00' }, null],
    source: 'R.I. Gen. Laws §§ 5-61-2(9), 5-61-3.6: 9 a.m. to 6 p.m. weekdays, 10 a.m. to 5 p.m. Saturdays, none on Sundays or holidays',
    url: 'http://webserver.rilin.state.ri.us/Statutes/TITLE5/5-61/5-61-3.6.HTM' },
];

const byState: ReadonlyMap<string, CallingHourRule> = new Map(callingHourRules.map((r) => [r.state, r]));

/** The rule of a state, when its law is stricter than the clinic default. */
export function callingHourRule(state: string): CallingHourRule | undefined {
  return byState.get(state);
}
