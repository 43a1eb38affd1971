/** What a legacy column's values tell introspect and check: a flag's codes, a date's format, a country's form. */
import { expect, it } from "vitest";
import { guessCountryForm, guessDateFormat, guessFlagValues } from "../../src/mapping/value-guesses.js";

it("names the flag pair that covers every stored code, as stored, and none when codes mix", () => {
  expect(guessFlagValues(["Y", "N"])).toEqual({ true: "Y", false: "N" });
  expect(guessFlagValues(["N"])).toEqual({ true: "Y", false: "N" });
  expect(guessFlagValues(["I", "A"])).toEqual({ true: "A", false: "I" });
  expect(guessFlagValues(["yes", "no"])).toBeUndefined();
  expect(guessFlagValues(["Yes", "No"])).toEqual({ true: "Yes", false: "No" });
  expect(guessFlagValues(["Y", "N", "X"])).toBeUndefined();
  // Nothing stored yet: the common legacy pair, which introspect marks as a guess.
  expect(guessFlagValues([])).toEqual({ true: "Y", false: "N" });
});

it("finds the text date format every stored date fits, and says when day and month could be either", () => {
  expect(guessDateFormat(["25/03/2019", "02/01/2010"])).toEqual({ format: "DD/MM/YYYY", alsoFits: [] });
  expect(guessDateFormat(["03/25/2019", "02/01/2010"])).toEqual({ format: "MM/DD/YYYY", alsoFits: [] });
  expect(guessDateFormat(["02/01/2010", "11/12/2020"])).toEqual({ format: "DD/MM/YYYY", alsoFits: ["MM/DD/YYYY"] });
  expect(guessDateFormat(["5/3/2019", "25/12/2019"])).toEqual({ format: "D/M/YYYY", alsoFits: [] });
  expect(guessDateFormat(["31.12.2024"])).toEqual({ format: "DD.MM.YYYY", alsoFits: [] });
  expect(guessDateFormat(["20240229"])?.format).toBe("YYYYMMDD");
  expect(guessDateFormat(["2024-02-29 13:45:00"])?.format).toBe("YYYY-MM-DD HH:mm:ss");
  // No calendar date (30 February), a mixture of formats, nothing stored: no guess.
  expect(guessDateFormat(["30/02/2024"])).toBeUndefined();
  expect(guessDateFormat(["25/03/2019", "2019-03-25"])).toBeUndefined();
  expect(guessDateFormat([])).toBeUndefined();
});

it("tells which ISO 3166-1 form stored country codes take", () => {
  expect(guessCountryForm(["CA", "US", "de"])).toBe("alpha2");
  expect(guessCountryForm(["CAN", "USA"])).toBe("alpha3");
  expect(guessCountryForm(["124", "840", "36"])).toBe("numeric");
  expect(guessCountryForm(["CA", "USA"])).toBeUndefined();
  expect(guessCountryForm(["Canada"])).toBeUndefined();
  expect(guessCountryForm(["XX"])).toBeUndefined();
});
