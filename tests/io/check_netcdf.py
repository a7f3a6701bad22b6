"""Checks a NetCDF file written by hypatia::write_netcdf the way ArviZ users read it: each group
opened with xarray.open_dataset(path, group=name), compared with expectations given as JSON.

Usage: check_netcdf.py FILE.nc EXPECTATIONS.json
Expectations: {"global_attrs": {name: value}, "groups": {group: {"dims": {dim: length},
"coords": {dim: [values]}, "attrs": {name: value}, "variables": {name: {"dims": [...],
"dtype": "float64" | "int64" | "bool", "values": nested lists}}}}}
Prints one line per checked group and "OK" at the end; exits 1 listing every mismatch, 2 when
xarray or netCDF4 cannot be imported.
"""

import datetime
import json
import sys

try:
    import netCDF4
    import numpy as np
    import xarray
except ImportError as error:
    print(f"FAIL: cannot import xarray/netCDF4/numpy ({error}); install the Debian packages "
          "python3-xarray and python3-netcdf4 (scripts/setup-debian.sh)")
    sys.exit(2)

failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)


def check_values(where, actual, expected):
    expected = np.array(expected)
    if expected.dtype.kind in "US":
        expect([str(v) for v in np.asarray(actual).ravel()] == [str(v) for v in expected.ravel()],
               f"{where}: values {list(np.asarray(actual).ravel())} != {list(expected.ravel())}")
        return
    actual = np.asarray(actual)
    expect(actual.shape == expected.shape, f"{where}: shape {actual.shape} != {expected.shape}")
    if actual.shape == expected.shape:
        # Doubles written by the C++ side must read back bit for bit.
        expect(np.array_equal(actual, expected),
               f"{where}: values {actual.tolist()} != {expected.tolist()}")


def check_attrs(where, actual, expected):
    for name, value in expected.items():
        expect(actual.get(name) == value,
               f"{where}: attribute {name!r} is {actual.get(name)!r}, expected {value!r}")


def check_group(path, name, spec):
    where = f"group {name!r}"
    with xarray.open_dataset(path, group=name) as dataset:
        expect(dict(dataset.sizes) == spec["dims"],
               f"{where}: dims {dict(dataset.sizes)} != {spec['dims']}")
        expect(set(dataset.coords) == set(spec["coords"]),
               f"{where}: coords {sorted(dataset.coords)} != {sorted(spec['coords'])}")
        for dim, values in spec["coords"].items():
            if dim in dataset.coords:
                check_values(f"{where} coord {dim!r}", dataset[dim].values, values)
                if all(isinstance(v, int) for v in values):
                    expect(dataset[dim].dtype == np.int64,
                           f"{where} coord {dim!r}: dtype {dataset[dim].dtype}, expected int64")
        expect(set(dataset.data_vars) == set(spec["variables"]),
               f"{where}: variables {sorted(dataset.data_vars)} != {sorted(spec['variables'])}")
        for variable, expected in spec["variables"].items():
            if variable not in dataset.data_vars:
                continue
            array = dataset[variable]
            vwhere = f"{where} variable {variable!r}"
            expect(list(array.dims) == expected["dims"],
                   f"{vwhere}: dims {list(array.dims)} != {expected['dims']}")
            expect(str(array.dtype) == expected["dtype"],
                   f"{vwhere}: dtype {array.dtype} != {expected['dtype']}")
            check_values(vwhere, array.values, expected["values"])
        check_attrs(where, dataset.attrs, spec["attrs"])
        for stamp in ("created_at", "inference_library_version"):
            expect(stamp in dataset.attrs, f"{where}: no attribute {stamp!r}")
        try:
            datetime.datetime.fromisoformat(dataset.attrs.get("created_at", ""))
        except ValueError:
            failures.append(f"{where}: created_at {dataset.attrs.get('created_at')!r} is not ISO")
    print(f"checked {where}: {len(spec['variables'])} variables")


def main():
    path, expectations_path = sys.argv[1], sys.argv[2]
    with open(expectations_path) as handle:
        expectations = json.load(handle)
    with netCDF4.Dataset(path) as root:
        expect(root.data_model == "NETCDF4", f"data model {root.data_model}, expected NETCDF4")
        groups = set(root.groups)
    expect(groups == set(expectations["groups"]),
           f"groups {sorted(groups)} != {sorted(expectations['groups'])}")
    with xarray.open_dataset(path) as root:
        check_attrs("global", root.attrs, expectations["global_attrs"])
    for name, spec in expectations["groups"].items():
        if name in groups:
            check_group(path, name, spec)
    if failures:
        print("\n".join("FAIL: " + failure for failure in failures))
        sys.exit(1)
    print("OK")


main()
