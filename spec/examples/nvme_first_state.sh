# From nothing to a saved NVMe controller state in three commands.
devstate template org.nvmexpress.ctrl@1.1 --comments -o nvme0.jsonc  # 1. every field at its default, documented
sed -i 's/"vs": 0,/"vs": "0x20000",/' nvme0.jsonc                    # 2. edit a value (NVMe 2.0), as in an editor
devstate encode nvme0.jsonc -o nvme0.dsf                              # 3. encode: absent fields take their defaults
devstate decode nvme0.dsf --hex | grep ' vs = '                       # the register, in hex: vs = 0x20000
devstate schema json-schema org.nvmexpress.ctrl@1.1 -o nvme.schema.json  # for an editor to complete and check
