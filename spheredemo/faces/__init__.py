"""Face images: identity-per-folder trees (:mod:`~spheredemo.faces.trees`: read whole into an ImageSet, or
streamed as :class:`FaceFiles`) and LFW's View-2 pairs with the identity-disjoint split they impose on training
(:mod:`~spheredemo.faces.lfw_pairs`). The lfw_pairs module imports trees, never the other way round."""

from spheredemo.faces.lfw_pairs import (LFW_HELD_OUT_FOLDS, LFWPairs, check_disjoint, find_lfw, lfw_held_out,
                                        lfw_training_files, lfw_training_set, load_lfw_pairs, pair_identities,
                                        pairs_of_files, read_pairs)
from spheredemo.faces.trees import (FACE_SIZE, IMAGE_SUFFIXES, FaceFiles, FacePreprocessing, identity_folders,
                                    image_tree, load_faces, load_image_files, preprocess_face)

__all__ = ["FacePreprocessing", "preprocess_face", "load_faces", "load_image_files", "identity_folders", "image_tree",
           "FaceFiles", "find_lfw", "LFWPairs", "read_pairs", "load_lfw_pairs", "pairs_of_files", "pair_identities",
           "check_disjoint", "lfw_held_out", "lfw_training_set", "lfw_training_files", "IMAGE_SUFFIXES", "FACE_SIZE",
           "LFW_HELD_OUT_FOLDS"]
