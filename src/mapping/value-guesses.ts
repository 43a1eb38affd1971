/**
 * What a legacy column's own values say about how to map it: which pair of codes a text flag
 * holds (Y/N, A/I, ...), which text format its dates are in, which ISO form its country codes
 * take. `introspect` drafts the mapping from these; `check` compares the mapping with them, so
 * a mapping that would misread the rows BIS already holds is refused before go-live.
 */
import countries from "i18n-iso-countries";
import { fitsDateFormat } from "./date-codec.js";

/** A flag's codes: what a set flag holds ("true") and what a cleared one holds ("false"). */
export interface FlagValues {
  readonly true: string;
  readonly false: string;
}

/** Legacy flag codes seen in the wild, set value first; compared as stored (case included). */
const FLAG_PAIRS: readonly (readonly [string, string])[] = [
  ["Y", "N"],
  ["y", "n"],
  ["YES", "NO"],
  ["Yes", "No"],
  ["T", "F"],
  ["TRUE", "FALSE"],
  ["True", "False"],
  ["true", "false"],
  ["1", "0"],
  ["J", "N"],
  ["A", "I"],
  ["ACTIVE", "INACTIVE"],
  ["Active", "Inactive"],
];

/**
 * The flag pair that names every value the column holds (Y/N when it holds nothing yet), or
 * undefined when no known pair does.
 */
export function guessFlagValues(stored: readonly string[]): FlagValues | undefined {
  const values = new Set(stored.map((v) => v.trim()));
  const pair = values.size === 0 ? FLAG_PAIRS[0] : FLAG_PAIRS.find(([set, cleared]) => [...values].every((v) => v === set || v === cleared));
  return pair && { true: pair[0], false: pair[1] };
}

/** Text date formats legacy tables keep, the unambiguous and most common first. */
export const DATE_FORMAT_CANDIDATES = [
  "YYYY-MM-DD",
  "DD/MM/YYYY",
  "MM/DD/YYYY",
  "DD.MM.YYYY",
  "DD-MM-YYYY",
  "YYYY/MM/DD",
  "YYYYMMDD",
  "D/M/YYYY",
  "M/D/YYYY",
  "D.M.YYYY",
  "YYYY-MM-DD HH:mm:ss",
  "YYYY-MM-DD[T]HH:mm:ss",
  "DD/MM/YYYY HH:mm",
  "DD/MM/YYYY HH:mm:ss",
  "MM/DD/YYYY HH:mm",
  "DD.MM.YYYY HH:mm",
] as const;

export interface DateFormatGuess {
  /** The first candidate every value fits. */
  readonly format: string;
  /** Other candidates every value fits too (01/02/2020 fits both DD/MM and MM/DD). */
  readonly alsoFits: readonly string[];
}

/** The text format every stored date fits, or undefined when none does (or nothing is stored). */
export function guessDateFormat(stored: readonly string[]): DateFormatGuess | undefined {
  const values = stored.map((v) => v.trim()).filter((v) => v !== "");
  if (values.length === 0) return undefined;
  const fitting = DATE_FORMAT_CANDIDATES.filter((format) => values.every((value) => fitsDateFormat(format, value)));
  if (fitting.length === 0) return undefined;
  // D/M/YYYY reads 25/03/2019 too, but in the same order of parts: no other reading of the dates.
  const readings = new Map<string, string>();
  for (const format of fitting) if (!readings.has(unpadded(format))) readings.set(unpadded(format), format);
  const [format, ...alsoFits] = readings.values();
  return { format: format!, alsoFits };
}

const unpadded = (format: string) => format.replace("DD", "D").replace("MM", "M");

export type CountryForm = "alpha2" | "alpha3" | "numeric";

/** The ISO 3166-1 form every stored country code takes, or undefined (names, a mixture, nothing). */
export function guessCountryForm(stored: readonly string[]): CountryForm | undefined {
  const values = stored.map((v) => v.trim().toUpperCase()).filter((v) => v !== "");
  if (values.length === 0) return undefined;
  const forms: readonly [CountryForm, (code: string) => boolean][] = [
    ["alpha2", (code) => /^[A-Z]{2}$/.test(code) && countries.isValid(code)],
    ["alpha3", (code) => /^[A-Z]{3}$/.test(code) && countries.alpha3ToAlpha2(code) !== undefined],
    ["numeric", (code) => /^\d{1,3}$/.test(code) && countries.numericToAlpha2(code.padStart(3, "0")) !== undefined],
  ];
  return forms.find(([, fits]) => values.every(fits))?.[0];
}
