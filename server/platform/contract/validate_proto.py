"""Writes `buf/validate/validate.proto`'s descriptor set, for protoc to compile our protos against.

The contract declares field constraints with protovalidate's standard rule vocabulary. No PyPI
package ships that file for Google's protobuf runtime, and Buf's registry is out of reach; the
npm package `@bufbuild/protovalidate` (installed by the Makefile beside buf) embeds its serialized
FileDescriptorProto with the dependency list stripped, the JavaScript passing the four
well-known files separately. This restores the list and bundles those files, so that
`protoc --descriptor_set_in=<out>` resolves `import "buf/validate/validate.proto"`.

    python -m server.platform.contract.validate_proto <validate_pb.js> <out.binpb>
"""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2, duration_pb2, field_mask_pb2, timestamp_pb2

_EMBEDDED = re.compile(r'fileDesc\)\("([A-Za-z0-9+/=]+)"')
_DEPENDENCIES = (descriptor_pb2, duration_pb2, field_mask_pb2, timestamp_pb2)


def descriptor_set(javascript: str) -> descriptor_pb2.FileDescriptorSet:
    match = _EMBEDDED.search(javascript)
    if match is None:
        raise ValueError("no embedded file descriptor in the protovalidate module")
    encoded = match[1] + "=" * (-len(match[1]) % 4)  # the JavaScript drops the padding
    validate = descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(encoded))
    if validate.name != "buf/validate/validate.proto":
        raise ValueError(f"unexpected embedded file {validate.name!r}")
    result = descriptor_pb2.FileDescriptorSet()
    for module in _DEPENDENCIES:
        well_known = result.file.add()
        module.DESCRIPTOR.CopyToProto(well_known)
    del validate.dependency[:]
    validate.dependency.extend(module.DESCRIPTOR.name for module in _DEPENDENCIES)
    result.file.append(validate)
    return result


def main(argv: list[str]) -> None:
    source, out = argv
    Path(out).write_bytes(descriptor_set(Path(source).read_text()).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1:])
