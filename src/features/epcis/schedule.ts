// The query schedule of EPCIS subscriptions (EPCIS 2.0 REST `schedule`, after EPCIS 1.2's
// QuerySchedule): which times a scheduled subscription runs at, read in China Standard Time.

/** One schedule field as the standard writes it: numbers and `[low-high]` ranges, comma separated. */
export interface ScheduleInput {
  second?: string;
  minute?: string;
  hour?: string;
  dayOfMonth?: string;
  month?: string;
  dayOfWeek?: string;
}

/** Each field as the set of values it matches. */
export interface Schedule {
  second: ReadonlySet<number>;
  minute: ReadonlySet<number>;
  hour: ReadonlySet<number>;
  dayOfMonth: ReadonlySet<number>;
  month: ReadonlySet<number>;
  dayOfWeek: ReadonlySet<number>;
}

type Field = keyof ScheduleInput;

// `level` orders significance (the two day fields share one): an omitted field below the least
// significant one given is its minimum.
const FIELDS: readonly { name: Field; level: number; min: number; max: number }[] = [
  { name: "second", level: 0, min: 0, max: 59 },
  { name: "minute", level: 1, min: 0, max: 59 },
  { name: "hour", level: 2, min: 0, max: 23 },
  { name: "dayOfMonth", level: 3, min: 1, max: 31 },
  { name: "dayOfWeek", level: 3, min: 1, max: 7 },
  { name: "month", level: 4, min: 1, max: 12 },
];

/** China Standard Time has no daylight saving: one fixed offset. */
const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
/** Far enough for every day of the month, day of the week and 29 February to come round. */
const SEARCH_DAYS = 366 * 8;

export class ScheduleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a schedule. An omitted field matches every value, except that omitted fields less
 * significant than every given one are their minimum: `{hour: "1", minute: "5"}` runs at
 * 01:05:00 each day, not at every second of that minute. Day of month and day of week must both
 * match when both are given. Throws ScheduleError naming the field.
 */
export function parseSchedule(input: ScheduleInput): Schedule {
  const given = FIELDS.filter((f) => input[f.name] !== undefined);
  if (given.length === 0) {
    throw new ScheduleError("schedule", "a schedule names at least one of its fields");
  }
  const leastGiven = Math.min(...given.map((f) => f.level));
  const sets = {} as Record<Field, ReadonlySet<number>>;
  for (const field of FIELDS) {
    const text = input[field.name];
    if (text !== undefined) sets[field.name] = parseField(field, text);
    else if (field.level < leastGiven) sets[field.name] = new Set([field.min]);
    else sets[field.name] = range(field.min, field.max);
  }
  const schedule = sets as Schedule;
  if (nextRun(schedule, new Date(0)) === null) {
    throw new ScheduleError("schedule", "this schedule never matches a date (e.g. 31 February)");
  }
  return schedule;
}

function parseField(field: (typeof FIELDS)[number], text: string): Set<number> {
  const values = new Set<number>();
  for (const element of text.split(",")) {
    const item = element.trim();
    const ranged = /^\[(\d{1,2})-(\d{1,2})\]$/.exec(item);
    const [low, high] = ranged
      ? [Number(ranged[1]), Number(ranged[2])]
      : /^\d{1,2}$/.test(item)
        ? [Number(item), Number(item)]
        : [Number.NaN, Number.NaN];
    if (Number.isNaN(low)) {
      throw new ScheduleError(
        field.name,
        `${field.name}: "${item}" is neither a number nor a range [low-high]`,
      );
    }
    if (low < field.min || high > field.max || low > high) {
      throw new ScheduleError(
        field.name,
        `${field.name}: "${item}" is outside ${field.min}-${field.max} or runs backwards`,
      );
    }
    for (let v = low; v <= high; v++) values.add(v);
  }
  return values;
}

function range(min: number, max: number): Set<number> {
  return new Set(Array.from({ length: max - min + 1 }, (_, i) => min + i));
}

/** The first time strictly after `after` that the schedule matches, or null within 8 years. */
export function nextRun(schedule: Schedule, after: Date): Date | null {
  // Whole seconds: the first candidate is the next full second.
  const start = Math.floor(after.getTime() / 1000) * 1000 + 1000 + CST_OFFSET_MS;
  const firstDay = Math.floor(start / DAY_MS) * DAY_MS;
  for (let day = firstDay, n = 0; n < SEARCH_DAYS; day += DAY_MS, n++) {
    const date = new Date(day);
    const weekday = ((date.getUTCDay() + 6) % 7) + 1; // 1 = Monday … 7 = Sunday
    if (
      !schedule.month.has(date.getUTCMonth() + 1) ||
      !schedule.dayOfMonth.has(date.getUTCDate()) ||
      !schedule.dayOfWeek.has(weekday)
    ) {
      continue;
    }
    const floor = day === firstDay ? (start - day) / 1000 : 0;
    const second = firstTimeOfDay(schedule, floor);
    if (second !== null) return new Date(day + second * 1000 - CST_OFFSET_MS);
  }
  return null;
}

/** The first second of the day (0-86399) at or after `floor` that the schedule matches. */
function firstTimeOfDay(schedule: Schedule, floor: number): number | null {
  const ascending = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);
  for (const h of ascending(schedule.hour)) {
    if ((h + 1) * 3600 <= floor) continue;
    for (const m of ascending(schedule.minute)) {
      if (h * 3600 + (m + 1) * 60 <= floor) continue;
      for (const s of ascending(schedule.second)) {
        const at = h * 3600 + m * 60 + s;
        if (at >= floor) return at;
      }
    }
  }
  return null;
}
