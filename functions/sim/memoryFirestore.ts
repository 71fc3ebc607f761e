/**
 * An in-memory Firestore: the subset of the firebase-admin API the handlers, the sweeper and the
 * audit use, with the semantics they rely on. Transactions read before they write and commit only
 * if nothing they read changed since (else they run again, up to five attempts, then ABORTED);
 * create/update fail on an existing/missing document; set merges maps; update takes dotted paths;
 * FieldValue sentinels (serverTimestamp, increment, delete, arrayUnion/Remove) and Timestamps are
 * the real SDK's; queries filter, order (document name last), limit and resume after a cursor.
 *
 * Every call that would reach the database passes through a `Gate`, which decides when it runs
 * (the simulator interleaves instances at these points), and may make it fail or kill its caller.
 * Commit times come from `Date.now()`, which the simulator controls.
 */
import {
  FieldPath,
  FieldValue,
  Timestamp,
  type DocumentData,
  type Firestore,
  type WhereFilterOp,
} from "firebase-admin/firestore";

export type OpKind = "get" | "query" | "write" | "tx_get" | "commit" | "batch" | "external";

export interface Op {
  kind: OpKind;
  /** A short human description, for traces: `get runs/r1`, `commit runs/r1, refunds/r1`. */
  label: string;
}

/** Decides when (and whether) each database call runs. */
export interface Gate {
  run<T>(op: Op, apply: () => T): Promise<T>;
}

export const directGate: Gate = { run: async (_op, apply) => apply() };

/** gRPC status codes, as the Admin SDK reports them in `error.code`. */
export const Code = {
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

export class FirestoreError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`${code} ${message}`);
    this.name = "FirestoreError";
  }
}

type Data = Record<string, unknown>;

interface StoredDoc {
  data: Data;
  createTime: Timestamp;
  updateTime: Timestamp;
  version: number;
}

/** One committed change of one document, as a trigger sees it. */
export interface Change {
  path: string;
  before: Data | undefined;
  after: Data | undefined;
}

type Write =
  | { kind: "set"; path: string; data: Data; merge: boolean }
  | { kind: "create"; path: string; data: Data }
  | { kind: "update"; path: string; data: Data }
  | { kind: "delete"; path: string };

const isPlainObject = (v: unknown): v is Data =>
  typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** A deep copy of plain data; Timestamps and other class instances are immutable and kept. */
export function cloneData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneData) as T;
  if (isPlainObject(value)) {
    const out: Data = {};
    for (const [k, v] of Object.entries(value)) out[k] = cloneData(v);
    return out as T;
  }
  return value;
}

function sentinelName(value: unknown): string | null {
  return value instanceof FieldValue ? (value as unknown as { methodName: string }).methodName : null;
}

/** The value a sentinel (or plain value) leaves in place of `current`. */
function resolveValue(value: unknown, current: unknown, now: Timestamp): unknown {
  const name = sentinelName(value);
  if (name === null) {
    if (isPlainObject(value)) {
      const out: Data = {};
      for (const [k, v] of Object.entries(value)) {
        const resolved = resolveValue(v, undefined, now);
        if (resolved !== DELETE) out[k] = resolved;
      }
      return out;
    }
    return cloneData(value);
  }
  const inner = value as unknown as { operand?: number; elements?: unknown[] };
  switch (name) {
    case "FieldValue.serverTimestamp":
      return now;
    case "FieldValue.delete":
      return DELETE;
    case "FieldValue.increment":
      return (typeof current === "number" ? current : 0) + (inner.operand ?? 0);
    case "FieldValue.arrayUnion": {
      const base = Array.isArray(current) ? [...current] : [];
      for (const e of inner.elements ?? []) if (!base.some((b) => valuesEqual(b, e))) base.push(cloneData(e));
      return base;
    }
    case "FieldValue.arrayRemove":
      return (Array.isArray(current) ? current : []).filter(
        (b) => !(inner.elements ?? []).some((e) => valuesEqual(b, e)),
      );
    default:
      throw new Error(`the in-memory Firestore does not implement ${name}`);
  }
}
const DELETE = Symbol("delete");

function splitPath(fieldPath: string | FieldPath): string[] {
  if (fieldPath instanceof FieldPath) return fieldPath.toString().split(".");
  return fieldPath.split(".");
}

export function getField(data: Data | undefined, fieldPath: string | FieldPath): unknown {
  let value: unknown = data;
  for (const part of splitPath(fieldPath)) {
    if (!isPlainObject(value)) return undefined;
    value = value[part];
  }
  return value;
}

function setField(data: Data, parts: string[], value: unknown, now: Timestamp) {
  let node = data;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Data;
  }
  const last = parts[parts.length - 1];
  const resolved = resolveValue(value, node[last], now);
  if (resolved === DELETE) delete node[last];
  else node[last] = resolved;
}

function mergeInto(target: Data, source: Data, now: Timestamp) {
  for (const [key, value] of Object.entries(source)) {
    if (isPlainObject(value) && sentinelName(value) === null) {
      if (!isPlainObject(target[key])) target[key] = {};
      mergeInto(target[key] as Data, value, now);
    } else {
      setField(target, [key], value, now);
    }
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Timestamp && b instanceof Timestamp) return a.isEqual(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => valuesEqual(a[k], b[k]));
  }
  return a === b;
}

function typeRank(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return 1;
  if (typeof v === "number") return 2;
  if (v instanceof Timestamp) return 3;
  if (typeof v === "string") return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (a instanceof Timestamp && b instanceof Timestamp)
    return a.toMillis() - b.toMillis() || a.nanoseconds - b.nanoseconds;
  if (typeof a === "number" || typeof a === "boolean") return Number(a) - Number(b);
  if (typeof a === "string") return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  return 0;
}

/** The documents, their versions, and who hears about commits. Shared by every handle onto it. */
export class MemoryState {
  readonly docs = new Map<string, StoredDoc>();
  private version = 0;
  private readonly listeners: ((changes: Change[]) => void)[] = [];

  onCommit(listener: (changes: Change[]) => void) {
    this.listeners.push(listener);
  }

  versionOf(path: string): number {
    return this.docs.get(path)?.version ?? 0;
  }

  /** Applies the writes atomically, or none of them. */
  commit(writes: Write[]): Change[] {
    const nowMs = Date.now();
    const now = Timestamp.fromMillis(nowMs);
    const staged = new Map<string, Data | undefined>();
    const current = (path: string) => (staged.has(path) ? staged.get(path) : this.docs.get(path)?.data);
    for (const write of writes) {
      const existing = current(write.path);
      switch (write.kind) {
        case "create":
          if (existing) throw new FirestoreError(Code.ALREADY_EXISTS, `document already exists: ${write.path}`);
          staged.set(write.path, resolveValue(write.data, undefined, now) as Data);
          break;
        case "set": {
          if (write.merge) {
            const next = cloneData(existing ?? {});
            mergeInto(next, write.data, now);
            staged.set(write.path, next);
          } else {
            staged.set(write.path, resolveValue(write.data, undefined, now) as Data);
          }
          break;
        }
        case "update": {
          if (!existing) throw new FirestoreError(Code.NOT_FOUND, `no document to update: ${write.path}`);
          const next = cloneData(existing);
          for (const [fieldPath, value] of Object.entries(write.data)) setField(next, splitPath(fieldPath), value, now);
          staged.set(write.path, next);
          break;
        }
        case "delete":
          staged.set(write.path, undefined);
          break;
      }
    }
    const changes: Change[] = [];
    for (const [path, after] of staged) {
      const before = this.docs.get(path);
      this.version++;
      if (after === undefined) this.docs.delete(path);
      else
        this.docs.set(path, {
          data: after,
          createTime: before?.createTime ?? now,
          updateTime: now,
          version: this.version,
        });
      if (before || after) changes.push({ path, before: before?.data, after });
    }
    for (const listener of this.listeners) listener(changes);
    return changes;
  }
}

export class MemorySnapshot {
  constructor(
    readonly ref: MemoryDocRef,
    private readonly stored: StoredDoc | undefined,
    readonly readTime: Timestamp,
  ) {}
  get id() {
    return this.ref.id;
  }
  get exists() {
    return this.stored !== undefined;
  }
  get createTime() {
    return this.stored?.createTime as Timestamp;
  }
  get updateTime() {
    return this.stored?.updateTime as Timestamp;
  }
  data(): DocumentData | undefined {
    return this.stored ? cloneData(this.stored.data) : undefined;
  }
  get(field: string | FieldPath): unknown {
    return cloneData(getField(this.stored?.data, field));
  }
}

export class MemoryQuerySnapshot {
  constructor(readonly docs: MemorySnapshot[]) {}
  get size() {
    return this.docs.length;
  }
  get empty() {
    return this.docs.length === 0;
  }
  forEach(each: (doc: MemorySnapshot) => void) {
    this.docs.forEach(each);
  }
}

interface Filter {
  field: string | FieldPath;
  op: WhereFilterOp;
  value: unknown;
}
interface Order {
  field: string | FieldPath;
  direction: "asc" | "desc";
}

const isDocumentId = (field: string | FieldPath) =>
  field instanceof FieldPath ? field.isEqual(FieldPath.documentId()) : field === "__name__";

export class MemoryQuery {
  constructor(
    readonly firestore: MemoryFirestore,
    /** A collection path, or `*\/id` for a collection group. */
    protected readonly scope: string,
    private readonly filters: Filter[] = [],
    private readonly orders: Order[] = [],
    private readonly limitTo: number | null = null,
    private readonly cursor: unknown[] | null = null,
  ) {}

  private with(changes: { filters?: Filter[]; orders?: Order[]; limitTo?: number | null; cursor?: unknown[] | null }) {
    return new MemoryQuery(
      this.firestore,
      this.scope,
      changes.filters ?? this.filters,
      changes.orders ?? this.orders,
      changes.limitTo !== undefined ? changes.limitTo : this.limitTo,
      changes.cursor !== undefined ? changes.cursor : this.cursor,
    );
  }
  where(field: string | FieldPath, op: WhereFilterOp, value: unknown) {
    return this.with({ filters: [...this.filters, { field, op, value }] });
  }
  orderBy(field: string | FieldPath, direction: "asc" | "desc" = "asc") {
    return this.with({ orders: [...this.orders, { field, direction }] });
  }
  limit(n: number) {
    return this.with({ limitTo: n });
  }
  startAfter(...values: unknown[]) {
    const [first] = values;
    if (first instanceof MemorySnapshot) {
      return this.with({ cursor: this.allOrders().map((o) => this.sortValue(first.ref.path, o.field)) });
    }
    return this.with({ cursor: values });
  }
  get(): Promise<MemoryQuerySnapshot> {
    return this.firestore.gate.run({ kind: "query", label: `query ${this.describe()}` }, () => this.evaluate());
  }

  describe(): string {
    const filters = this.filters.map((f) => ` ${String(f.field)} ${f.op} ${JSON.stringify(f.value)}`).join("");
    return `${this.scope}${filters}${this.limitTo !== null ? ` limit ${this.limitTo}` : ""}`;
  }

  private inScope(path: string): boolean {
    const parts = path.split("/");
    if (this.scope.startsWith("*/")) return parts[parts.length - 2] === this.scope.slice(2);
    return parts.length === this.scope.split("/").length + 1 && path.startsWith(`${this.scope}/`);
  }

  private allOrders(): Order[] {
    return this.orders.some((o) => isDocumentId(o.field))
      ? this.orders
      : [...this.orders, { field: FieldPath.documentId(), direction: "asc" }];
  }

  private sortValue(path: string, field: string | FieldPath): unknown {
    // A collection group orders by the whole path, segment by segment ("a" before "a-b", though
    // "a/" sorts after "a-" as a string): the separator becomes the lowest character.
    if (isDocumentId(field))
      return this.scope.startsWith("*/") ? path.replaceAll("/", "\u0000") : path.split("/").pop();
    return getField(this.firestore.state.docs.get(path)?.data, field);
  }

  private matches(path: string, data: Data): boolean {
    return this.filters.every(({ field, op, value }) => {
      const v = isDocumentId(field) ? this.sortValue(path, field) : getField(data, field);
      if (v === undefined) return false;
      switch (op) {
        case "==":
          return valuesEqual(v, value);
        case "!=":
          return !valuesEqual(v, value);
        case "in":
          return (value as unknown[]).some((x) => valuesEqual(v, x));
        case "not-in":
          return !(value as unknown[]).some((x) => valuesEqual(v, x));
        case "<":
          return typeRank(v) === typeRank(value) && compareValues(v, value) < 0;
        case "<=":
          return typeRank(v) === typeRank(value) && compareValues(v, value) <= 0;
        case ">":
          return typeRank(v) === typeRank(value) && compareValues(v, value) > 0;
        case ">=":
          return typeRank(v) === typeRank(value) && compareValues(v, value) >= 0;
        case "array-contains":
          return Array.isArray(v) && v.some((x) => valuesEqual(x, value));
        default:
          throw new Error(`the in-memory Firestore does not implement where ${op}`);
      }
    });
  }

  /** The query's result now (also used to re-check a transaction's read at its commit). */
  evaluate(): MemoryQuerySnapshot {
    const orders = this.allOrders();
    const compare = (a: string, b: string) => {
      for (const o of orders) {
        const c = compareValues(this.sortValue(a, o.field), this.sortValue(b, o.field));
        if (c !== 0) return o.direction === "asc" ? c : -c;
      }
      return 0;
    };
    let paths = [...this.firestore.state.docs.entries()]
      .filter(([path, doc]) => this.inScope(path) && this.matches(path, doc.data))
      // A field the query orders by must be present, as in Firestore.
      .filter(([path]) => orders.every((o) => this.sortValue(path, o.field) !== undefined))
      .map(([path]) => path)
      .sort(compare);
    if (this.cursor) {
      const cursor = this.cursor;
      paths = paths.filter((path) => {
        for (let i = 0; i < cursor.length && i < orders.length; i++) {
          const c = compareValues(this.sortValue(path, orders[i].field), cursor[i]);
          if (c !== 0) return orders[i].direction === "asc" ? c > 0 : c < 0;
        }
        return false;
      });
    }
    if (this.limitTo !== null) paths = paths.slice(0, this.limitTo);
    const readTime = Timestamp.now();
    return new MemoryQuerySnapshot(
      paths.map((path) => new MemorySnapshot(this.firestore.doc(path), this.firestore.state.docs.get(path), readTime)),
    );
  }

  /** What a transaction saw: the documents and their versions. */
  signature(): string {
    return this.evaluate()
      .docs.map((d) => `${d.ref.path}@${this.firestore.state.versionOf(d.ref.path)}`)
      .join(",");
  }
}

export class MemoryCollectionRef extends MemoryQuery {
  constructor(
    firestore: MemoryFirestore,
    readonly path: string,
  ) {
    super(firestore, path);
  }
  get id() {
    return this.path.split("/").pop() as string;
  }
  get parent(): MemoryDocRef | null {
    const parts = this.path.split("/");
    return parts.length > 1 ? this.firestore.doc(parts.slice(0, -1).join("/")) : null;
  }
  doc(id?: string): MemoryDocRef {
    return this.firestore.doc(`${this.path}/${id ?? this.firestore.autoId()}`);
  }
}

export class MemoryDocRef {
  constructor(
    readonly firestore: MemoryFirestore,
    readonly path: string,
  ) {}
  get id() {
    return this.path.split("/").pop() as string;
  }
  get parent(): MemoryCollectionRef {
    return this.firestore.collection(this.path.split("/").slice(0, -1).join("/"));
  }
  collection(id: string) {
    return this.firestore.collection(`${this.path}/${id}`);
  }
  snapshotNow(): MemorySnapshot {
    return new MemorySnapshot(this, this.firestore.state.docs.get(this.path), Timestamp.now());
  }
  get(): Promise<MemorySnapshot> {
    return this.firestore.gate.run({ kind: "get", label: `get ${this.path}` }, () => this.snapshotNow());
  }
  private write(write: Write, verb: string) {
    return this.firestore.gate.run({ kind: "write", label: `${verb} ${this.path}` }, () => {
      this.firestore.state.commit([write]);
      return { writeTime: Timestamp.now() };
    });
  }
  set(data: Data, options?: { merge?: boolean }) {
    return this.write({ kind: "set", path: this.path, data, merge: options?.merge === true }, "set");
  }
  create(data: Data) {
    return this.write({ kind: "create", path: this.path, data }, "create");
  }
  update(data: Data) {
    return this.write({ kind: "update", path: this.path, data }, "update");
  }
  delete() {
    return this.write({ kind: "delete", path: this.path }, "delete");
  }
  isEqual(other: MemoryDocRef) {
    return other.path === this.path;
  }
}

class WriteList {
  readonly writes: Write[] = [];
  set(ref: MemoryDocRef, data: Data, options?: { merge?: boolean }) {
    this.writes.push({ kind: "set", path: ref.path, data: cloneData(data), merge: options?.merge === true });
    return this;
  }
  create(ref: MemoryDocRef, data: Data) {
    this.writes.push({ kind: "create", path: ref.path, data: cloneData(data) });
    return this;
  }
  update(ref: MemoryDocRef, data: Data) {
    this.writes.push({ kind: "update", path: ref.path, data: cloneData(data) });
    return this;
  }
  delete(ref: MemoryDocRef) {
    this.writes.push({ kind: "delete", path: ref.path });
    return this;
  }
  describe() {
    return this.writes.map((w) => `${w.kind} ${w.path}`).join(", ");
  }
}

export class MemoryBatch extends WriteList {
  constructor(private readonly firestore: MemoryFirestore) {
    super();
  }
  commit() {
    return this.firestore.gate.run({ kind: "batch", label: `batch ${this.describe()}` }, () => {
      this.firestore.state.commit(this.writes);
      return [];
    });
  }
}

const READS_BEFORE_WRITES = "Firestore transactions require all reads to be executed before all writes.";

export class MemoryTransaction extends WriteList {
  private readonly docReads = new Map<string, number>();
  private readonly queryReads: { query: MemoryQuery; signature: string }[] = [];
  constructor(private readonly firestore: MemoryFirestore) {
    super();
  }
  get(target: MemoryDocRef | MemoryQuery): Promise<MemorySnapshot | MemoryQuerySnapshot> {
    if (this.writes.length > 0) throw new Error(READS_BEFORE_WRITES);
    if (target instanceof MemoryDocRef) {
      return this.firestore.gate.run({ kind: "tx_get", label: `tx.get ${target.path}` }, () => {
        this.docReads.set(target.path, this.firestore.state.versionOf(target.path));
        return target.snapshotNow();
      });
    }
    return this.firestore.gate.run({ kind: "tx_get", label: `tx.query ${target.describe()}` }, () => {
      this.queryReads.push({ query: target, signature: target.signature() });
      return target.evaluate();
    });
  }
  getAll(...refs: MemoryDocRef[]): Promise<MemorySnapshot[]> {
    if (this.writes.length > 0) throw new Error(READS_BEFORE_WRITES);
    return this.firestore.gate.run({ kind: "tx_get", label: `tx.getAll ${refs.map((r) => r.path).join(", ")}` }, () =>
      refs.map((ref) => {
        this.docReads.set(ref.path, this.firestore.state.versionOf(ref.path));
        return ref.snapshotNow();
      }),
    );
  }
  /** True when something this transaction read changed since: it must run again. */
  conflicted(): boolean {
    for (const [path, version] of this.docReads) if (this.firestore.state.versionOf(path) !== version) return true;
    return this.queryReads.some((r) => r.query.signature() !== r.signature);
  }
}

/** The Admin SDK's transaction attempts before it gives up with ABORTED. */
export const TRANSACTION_ATTEMPTS = 5;

export class MemoryFirestore {
  private ids = 0;
  constructor(
    readonly state: MemoryState = new MemoryState(),
    readonly gate: Gate = directGate,
  ) {}

  /** Another handle on the same documents whose calls pass through `gate`. */
  through(gate: Gate): MemoryFirestore {
    return new MemoryFirestore(this.state, gate);
  }
  /** The handle as the handlers' type: they take everything through `Firestore`. */
  asFirestore(): Firestore {
    return this as unknown as Firestore;
  }
  autoId(): string {
    return `auto${String(++this.ids).padStart(8, "0")}`;
  }
  doc(path: string): MemoryDocRef {
    if (path.split("/").length % 2 !== 0) throw new Error(`not a document path: ${path}`);
    return new MemoryDocRef(this, path);
  }
  collection(path: string): MemoryCollectionRef {
    if (path.split("/").length % 2 !== 1) throw new Error(`not a collection path: ${path}`);
    return new MemoryCollectionRef(this, path);
  }
  collectionGroup(id: string): MemoryQuery {
    return new MemoryQuery(this, `*/${id}`);
  }
  batch(): MemoryBatch {
    return new MemoryBatch(this);
  }
  getAll(...refs: MemoryDocRef[]): Promise<MemorySnapshot[]> {
    return this.gate.run({ kind: "get", label: `getAll ${refs.map((r) => r.path).join(", ")}` }, () =>
      refs.map((ref) => ref.snapshotNow()),
    );
  }
  async runTransaction<T>(
    body: (tx: MemoryTransaction) => Promise<T>,
    options?: { readOnly?: boolean; readTime?: Timestamp; maxAttempts?: number },
  ): Promise<T> {
    const attempts = options?.maxAttempts ?? TRANSACTION_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      const tx = new MemoryTransaction(this);
      const result = await body(tx);
      if (options?.readOnly) return result;
      try {
        await this.gate.run({ kind: "commit", label: `commit ${tx.describe() || "(reads only)"}` }, () => {
          if (tx.conflicted()) throw new FirestoreError(Code.ABORTED, "transaction conflict: a document read changed");
          if (tx.writes.length > 0) this.state.commit(tx.writes);
        });
        return result;
      } catch (error) {
        const aborted = (error as { code?: number }).code === Code.ABORTED;
        if (!aborted || attempt >= attempts) throw error;
      }
    }
  }
}
