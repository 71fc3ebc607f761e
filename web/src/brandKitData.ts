/** The brand kit's Firestore reads and writes: one document, `users/{uid}/brand/kit`, its owner's alone. */
import { doc, onSnapshot, setDoc, type Firestore, type Unsubscribe } from "firebase/firestore";
import { BrandKitSchema, type BrandKit } from "../../functions/src/contract/brand";
import { paths } from "../../functions/src/contract/paths";

export function createBrandKitStore(db: Firestore) {
  return {
    /** The kit live; the defaults while none was saved (or one this page cannot read). */
    watchKit(uid: string, next: (kit: BrandKit) => void, onError: (error: Error) => void): Unsubscribe {
      return onSnapshot(
        doc(db, paths.brandKit(uid)),
        (snap) => {
          const parsed = BrandKitSchema.safeParse(snap.data() ?? {});
          next(parsed.success ? parsed.data : BrandKitSchema.parse({}));
        },
        onError,
      );
    },

    saveKit(uid: string, kit: BrandKit): Promise<void> {
      return setDoc(doc(db, paths.brandKit(uid)), BrandKitSchema.parse(kit));
    },
  };
}

export type BrandKitStore = ReturnType<typeof createBrandKitStore>;
