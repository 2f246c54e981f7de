# Your first schema: a fan controller, from a YAML file to a saved and decoded state.
mkdir -p my-schemas/com.example.fan
cat > my-schemas/com.example.fan/1.0.yaml <<'EOF'
# --8<-- [start:schema]
devstate: 1
model: com.example.fan            # a reverse-DNS name for this kind of device
version: "1.0"                    # one immutable file per version
title: A fan controller
types:
  fan_mode:
    kind: enum
    base: u8
    values: {stopped: 0, automatic: 1, manual: 2}
  fan:
    kind: struct
    fields:                       # encoded in this order, little-endian, packed
      - {name: mode, type: fan_mode, doc: How the speed is chosen.}
      - {name: rpm, type: u16, max: 12000, unit: rpm, doc: The speed set in manual mode.}
      - {name: pulses, type: u32, doc: Tachometer pulses counted so far.}
sections:                         # what a saved state holds, by id
  - {id: 1, name: fan, type: fan, doc: The one fan.}
# --8<-- [end:schema]
EOF
# --8<-- [start:commands]
SCHEMA=my-schemas/com.example.fan/1.0.yaml
devstate validate $SCHEMA                        # 1. check it (errors: FILE:LINE:COL: CODE: message)
devstate schema show $SCHEMA                     # 2. its layout: every field's offset and size
devstate template $SCHEMA -o fan0.json           # 3. a state with every field at its default
sed -i 's/"rpm": 0/"rpm": 3000/' fan0.json       # 4. edit a value
devstate encode fan0.json --schema $SCHEMA -o fan0.dsf   # 5. save: a 59-byte DSF blob
devstate decode fan0.dsf --schema $SCHEMA        # 6. load it again
# --8<-- [end:commands]
devstate decode fan0.dsf --schema $SCHEMA --json | grep -q '"rpm": 3000'
