"""Cuts the Fashion-MNIST subset bundled with Ember from the full dataset.

Run with /usr/bin/python3 (standard library only) from anywhere:
    /usr/bin/python3 data/fashion-mnist/make_subset.py [/usr/share/datasets/fashion-mnist]

The source folder (default: Debian's dataset-fashion-mnist package) holds the four gzip IDX files.
The test files are copied unchanged; the training files are cut to their first TRAIN_COUNT items and
recompressed with a zero timestamp, so running the script again gives the same bytes.
"""
import gzip
import os
import shutil
import struct
import sys

TRAIN_COUNT = 12000
HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, type_code, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and type_code == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = list(struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank]))
    return dims, data[4 + 4 * rank:]


def write_idx(path, dims, body):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw:
        # No file name and a zero mtime in the gzip header: the output depends on the data alone.
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
            f.write(header + body)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        dims, body = read_idx(os.path.join(source, f"train-{kind}.gz"))
        item = 1
        for d in dims[1:]:
            item *= d
        dims[0] = TRAIN_COUNT
        write_idx(os.path.join(HERE, f"train-{kind}.gz"), dims, body[:TRAIN_COUNT * item])
        shutil.copyfile(os.path.join(source, f"t10k-{kind}.gz"), os.path.join(HERE, f"t10k-{kind}.gz"))
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".gz"):
            print(name, os.path.getsize(os.path.join(HERE, name)))


if __name__ == "__main__":
    main()
