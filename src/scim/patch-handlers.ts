/**
 * One handler per PATCH op (RFC 7644 §3.5.2.1-3), each applying a normalised operation to the
 * resource copy in place. Normalisation has already made single-valued adds into replaces and
 * empty values into removes, so the handlers only differ where SCIM says they do.
 */
import { matchesFilter } from "./filter-match.js";
import { isObject } from "./patch-coerce.js";
import {
  addElement,
  containerOf,
  dropEmptyContainer,
  elementFromFilter,
  findKey,
  holdsValue,
  isListed,
  keepOnePrimary,
  keyFor,
  listOf,
  storeList,
  type Json,
} from "./patch-elements.js";
import { isManager, isWholeMultiValued, type NormalisedOperation } from "./patch-normalise.js";
import type { PatchOpName } from "./patch-request.js";
import { ScimError } from "./scim-error.js";

type Handler = (resource: Json, operation: NormalisedOperation) => void;

export const PATCH_HANDLERS: Readonly<Record<PatchOpName, Handler>> = { add, replace, remove };

/** Appends to a multi-valued attribute; an element with a `type` already present replaces it. */
function add(resource: Json, operation: NormalisedOperation): void {
  if (!isWholeMultiValued(operation.target)) return replace(resource, operation);
  const container = containerOf(resource, operation.target.schema, true)!;
  const key = keyFor(container, operation.target.attribute.name);
  const list = listOf(container[key]);
  const added = operation.value as Json[];
  for (const element of added) addElement(list, element);
  keepOnePrimary(list, added);
  storeList(container, key, list);
}

function replace(resource: Json, operation: NormalisedOperation): void {
  const { target } = operation;
  const container = containerOf(resource, target.schema, true)!;
  const key = keyFor(container, target.attribute.name);
  if (target.filter && !target.attribute.multiValued) {
    // manager[value eq "x"]: the filter only guards a single complex value.
    if (!isObject(container[key]) || !matchesFilter(target.filter, container[key], target.attribute)) {
      throw noTarget(operation, "the value filter matches nothing");
    }
  }
  if (target.filter && target.attribute.multiValued) {
    replaceSelected(container, key, operation);
  } else if (target.attribute.multiValued) {
    // `emails.value` without a filter addresses every element.
    const list = target.subAttribute ? listOf(container[key]) : (operation.value as Json[]);
    if (target.subAttribute) for (const element of list) writeInto(element, operation);
    keepOnePrimary(list, list);
    storeList(container, key, list);
  } else if (isManager(target)) {
    const id = target.subAttribute ? operation.value : (operation.value as Json).value;
    // The same manager keeps its $ref and displayName, so an unchanged PATCH stays unchanged.
    if (!isObject(container[key]) || container[key].value !== id) container[key] = { value: id };
  } else if (target.subAttribute || target.attribute.type === "complex") {
    const parent = isObject(container[key]) ? container[key] : {};
    writeInto(parent, operation);
    if (Object.keys(parent).length > 0) container[key] = parent;
    else delete container[key];
  } else {
    container[key] = operation.value;
  }
  dropEmptyContainer(resource, target.schema);
}

/**
 * `emails[type eq "work"].value`: writes into every matching element. When none matches, Entra
 * expects the element to be created (not RFC's noTarget), so it is built from the filter's eq terms.
 */
function replaceSelected(container: Json, key: string, operation: NormalisedOperation): void {
  const { target } = operation;
  const filter = target.filter!;
  const list = listOf(container[key]);
  let selected = list.filter((element) => matchesFilter(filter, element, target.attribute));
  if (selected.length === 0) {
    const created = elementFromFilter(filter, target.attribute);
    if (!created) throw noTarget(operation, "no element matches, and only a filter of eq terms can create one");
    list.push(created);
    selected = [created];
  }
  for (const element of selected) writeInto(element, operation);
  keepOnePrimary(list, selected);
  storeList(container, key, list);
}

/** Sets the target's sub-attribute in `element`, or merges an object of sub-attributes into it. */
function writeInto(element: Json, operation: NormalisedOperation): void {
  const sub = operation.target.subAttribute;
  const values: Json = sub ? { [sub.name]: operation.value } : (operation.value as Json);
  for (const [name, value] of Object.entries(values)) {
    const key = keyFor(element, name);
    if (value === null) delete element[key];
    else element[key] = value;
  }
}

function remove(resource: Json, operation: NormalisedOperation): void {
  const { target } = operation;
  const container = containerOf(resource, target.schema, false);
  const key = container && findKey(container, target.attribute.name);
  if (!container || key === undefined) return;
  const sub = target.subAttribute;
  if (target.attribute.multiValued) {
    const list = listOf(container[key]);
    const selected = list.filter((element) => {
      if (target.filter) return matchesFilter(target.filter, element, target.attribute);
      return operation.value ? isListed(element, operation.value as Json[], target.attribute) : true;
    });
    if (sub) for (const element of selected) deleteKey(element, sub.name);
    const kept = list.filter((element) => !selected.includes(element) || (sub !== undefined && holdsValue(element)));
    storeList(container, key, kept);
  } else if (target.filter && !(isObject(container[key]) && matchesFilter(target.filter, container[key], target.attribute))) {
    // manager[value eq "x"] when the manager is someone else: nothing to remove.
    return;
  } else if (sub && isObject(container[key])) {
    const parent = container[key];
    deleteKey(parent, sub.name);
    // A manager without its id is no manager; any other complex value goes once it is empty.
    if (Object.keys(parent).length === 0 || (isManager(target) && parent.value === undefined)) delete container[key];
  } else {
    delete container[key];
  }
  dropEmptyContainer(resource, target.schema);
}

function deleteKey(object: Json, name: string): void {
  const key = findKey(object, name);
  if (key !== undefined) delete object[key];
}

function noTarget(operation: NormalisedOperation, rule: string): ScimError {
  return ScimError.badRequest("noTarget", `${operation.where} '${operation.target.text}': ${rule}`);
}
