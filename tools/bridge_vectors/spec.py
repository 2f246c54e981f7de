"""The passages of the standards the vectors rest on, quoted verbatim (LaTeX markup removed).

Virtio: oasis-tcs/virtio-spec tag v1.4-cs01 (unchanged on master since). NVMe: the ratified NVM
Express Base Specification 2.1 (2024-08-05; pages as numbered in the PDF) where its page text
was retrievable, else the same text in Base Specification 2.3 (section numbers of 2.3), and
libnvme ``src/nvme/types.h`` for the structure layouts (which agree with both).
"""

from __future__ import annotations

VIRTIO = "virtio 1.4 (oasis-tcs/virtio-spec v1.4-cs01)"
NVME_21 = "NVM Express Base Specification 2.1 (ratified 2024-08-05)"
NVME_23 = "NVM Express Base Specification 2.3"
LIBNVME = "linux-nvme/libnvme src/nvme/types.h"

Quote = dict[str, str]


def _q(source: str, where: str, text: str) -> Quote:
    return {"source": source, "where": where, "quote": " ".join(text.split())}


QUOTES: dict[str, Quote] = {
    # --- virtio: device parts -----------------------------------------------------------------------------
    "part-header": _q(VIRTIO, "device-parts.tex: Device parts",
                      "Each device part consists of a fixed size hdr followed by optional part data in field value."),
    "part-ranges": _q(VIRTIO, "device-parts.tex: Device parts",
                      "0x0000 - 0x01FF - common part - used to describe a part of the device that is independent of "
                      "the device type; 0x0200 - 0x05FF - device type specific part - used to indicate parts that "
                      "are device type specific"),
    "optional-flag": _q(VIRTIO, "device-parts.tex: Device parts",
                        "Some device parts are optional, the device can function without them. [...] Such device "
                        "parts are marked optional by setting bit 0 (VIRTIO_DEV_PART_F_OPTIONAL) in the flags."),
    "may-ignore-optional": _q(VIRTIO, "admin-cmds-device-parts.tex: Device parts (device normative)",
                              "The device may ignore the setting of a device part that has the "
                              "VIRTIO_DEV_PART_F_OPTIONAL bit set."),
    "reserved-zero": _q(VIRTIO, "device-parts.tex: Device parts", "reserved is reserved and set to zero."),
    "features": _q(VIRTIO, "device-parts.tex: VIRTIO_DEV_PART_DEV_FEATURES",
                   "value is in the format of struct virtio_dev_part_features. [...] length is the length of the "
                   "struct virtio_dev_part_features. [...] struct virtio_dev_part_features { le64 feature_bits[]; };"),
    "dev-features-optional": _q(VIRTIO, "device-parts.tex: VIRTIO_DEV_PART_DEV_FEATURES",
                                "The VIRTIO_DEV_PART_DEV_FEATURES part is optional for which the "
                                "VIRTIO_DEV_PART_F_OPTIONAL (bit 0) flags is set."),
    "pci-common-cfg": _q(VIRTIO, "device-parts.tex: VIRTIO_DEV_PART_PCI_COMMON_CFG",
                         "offset refers to the byte offset of single field in the common configuration layout "
                         "described in struct virtio_pci_common_cfg. [...] One or multiple "
                         "VIRTIO_DEV_PART_PCI_COMMON_CFG parts may exist in the get or set commands; each such part "
                         "corresponds to a unique offset."),
    "device-status": _q(VIRTIO, "device-parts.tex: VIRTIO_DEV_PART_DEVICE_STATUS",
                        "value is in the format device_status of struct virtio_pci_common_cfg."),
    "vq-cfg": _q(VIRTIO, "device-parts.tex: VIRTIO_DEV_PART_VQ_CFG",
                 "struct virtio_dev_part_vq_cfg { le16 queue_size; le16 vector; le16 enabled; le16 reserved; le64 "
                 "queue_desc; le64 queue_driver; le64 queue_device; }; [...] Each such device part corresponds to a "
                 "unique virtqueue identified by the vq_index.index."),
    "vq-index": _q(VIRTIO, "device-parts.tex: VIRTIO_DEV_PART_VQ_CFG",
                   "Each such device part corresponds to a unique virtqueue identified by the vq_index.index."),
    "num-queues": _q(VIRTIO, "transport-pci.tex: Common configuration structure layout",
                     "num_queues: The device specifies the maximum number of virtqueues supported here."),
    "vq-notify-cfg": _q(VIRTIO, "device-parts.tex: VIRTIO_DEV_PART_VQ_NOTIFY_CFG",
                        "struct virtio_dev_part_vq_notify_data { le16 queue_notify_off; le16 "
                        "queue_notif_config_data; u8 reserved[4]; };"),
    "order": _q(VIRTIO, "admin-cmds-device-parts.tex: Device parts (device normative)",
                "When there are multiple device parts in the command VIRTIO_ADMIN_CMD_DEV_PARTS_GET, the device "
                "MUST respond the device parts in the same order as listed in the table Device parts order."),
    "order-table": _q(VIRTIO, "admin-cmds-device-parts.tex: Device parts order",
                      "VIRTIO_DEV_PART_VQ_NOTIFY_CFG - VIRTIO_DEV_PART_DEV_FEATURES, VIRTIO_DEV_PART_DRV_FEATURES, "
                      "VIRTIO_DEV_PART_PCI_COMMON_CFG, VIRTIO_DEV_PART_DEVICE_STATUS, VIRTIO_DEV_PART_VQ_CFG "
                      "(Mandatory preceding parts)"),
    "preceded-by": _q(VIRTIO, "admin-cmds-device-parts.tex: Device parts (device normative)",
                      "VIRTIO_DEV_PART_DRV_FEATURES or VIRTIO_DEV_PART_PCI_COMMON_CFG, it MUST be preceded by "
                      "VIRTIO_DEV_PART_DEV_FEATURES. [...] VIRTIO_DEV_PART_PCI_COMMON_CFG, it MUST be preceded by "
                      "VIRTIO_DEV_PART_DEV_FEATURES and VIRTIO_DEV_PART_DRV_FEATURES."),
    "length-mismatch": _q(VIRTIO, "admin-cmds-device-parts.tex: Device parts (device normative)",
                          "The device MUST respond with an error for the command VIRTIO_ADMIN_CMD_DEV_PARTS_SET, if "
                          "there is a mismatch between the device part length supplied in the "
                          "VIRTIO_ADMIN_CMD_DEV_PARTS_SET and the device part length in the device."),
    "get-all": _q(VIRTIO, "admin-cmds-device-parts.tex: VIRTIO_ADMIN_CMD_DEV_PARTS_GET",
                  "When the driver wants to retrieve all the device parts, type is set to "
                  "VIRTIO_ADMIN_CMD_DEV_PARTS_GET_TYPE_ALL, and hdr_list is empty."),
    "feature-bits": _q(VIRTIO, "content.tex: Feature Bits",
                       "44 to 49, and 128 and above - Feature bits reserved for future extensions."),
    "driver-not-offered": _q(VIRTIO, "content.tex: Feature Bits (driver normative)",
                             "The driver MUST NOT accept a feature which the device did not offer"),
    "driver-reserved": _q(VIRTIO, "content.tex: Feature Bits (driver normative)",
                          "The driver MUST ignore and MUST NOT accept any feature bit that is [...] marked as "
                          "reserved"),
    "device-future-bits": _q(VIRTIO, "content.tex: Feature Bits (device normative)",
                             "this does not preclude devices written to a future version of this specification "
                             "from offering such feature bits should such a specification have a provision for "
                             "devices to support the corresponding features."),
    "queue-size": _q(VIRTIO, "transport-pci.tex: Common configuration structure layout (device normative)",
                     "If VIRTIO_F_RING_PACKED has not been negotiated, the device MUST present either a value of 0 "
                     "or a power of 2 in queue_size."),
    "packed-size": _q(VIRTIO, "packed-ring.tex: Packed Virtqueues",
                      "Packed virtqueues support up to 2^15 entries each."),
    # --- virtio-net ---------------------------------------------------------------------------------------
    "net-cvq-part": _q(VIRTIO, "device-types/net/description.tex: VIRTIO_NET_DEV_PART_CVQ_CFG_PART",
                       "There is one device part of type VIRTIO_NET_DEV_PART_CVQ_CFG_PART for each individual "
                       "configuration. Each part is identified by a unique selector value."),
    "net-cvq-value": _q(VIRTIO, "device-types/net/description.tex: VIRTIO_NET_DEV_PART_CVQ_CFG_PART",
                        "The value corresponding to each part's selector follows the same format as the respective "
                        "command-specific-data described in the relevant sections of Control Virtqueue."),
    "net-cvq-configuration": _q(VIRTIO, "device-types/net/description.tex: VIRTIO_NET_DEV_PART_CVQ_CFG_PART",
                                "The VIRTIO_NET_DEV_PART_CVQ_CFG_PART part indicates configuration performed by "
                                "the driver using a control virtqueue command."),
    "net-selectors": _q(VIRTIO, "device-types/net/description.tex: VIRTIO_NET_DEV_PART_CVQ_CFG_PART",
                        "Supported selectors are listed in the table: VIRTIO_NET_CTRL_RX VIRTIO_NET_CTRL_RX_PROMISC "
                        "[...] VIRTIO_NET_CTRL_MQ VIRTIO_NET_CTRL_MQ_HASH_CONFIG"),
    "net-vlan-table": _q(VIRTIO, "device-types/net/description.tex: VIRTIO_NET_DEV_PART_CVQ_CFG_PART",
                         "For command selector VIRTIO_NET_CTRL_VLAN_ADD, device part consists of a whole VLAN "
                         "table."),
    "net-vlan-id": _q(VIRTIO, "device-types/net/description.tex: VLAN Filtering",
                      "Both the VIRTIO_NET_CTRL_VLAN_ADD and VIRTIO_NET_CTRL_VLAN_DEL command take a little-endian "
                      "16-bit VLAN id as the command-specific-data."),
    "net-rx-byte": _q(VIRTIO, "device-types/net/description.tex: Packet Receive Filtering (device normative)",
                      "VIRTIO_NET_CTRL_RX_PROMISC turns promiscuous mode on and off. The command-specific-data is "
                      "one byte containing 0 (off) or 1 (on)."),
    "net-rx-must": _q(VIRTIO, "device-types/net/description.tex: Packet Receive Filtering (driver normative)",
                      "If the VIRTIO_NET_F_CTRL_RX feature has not been negotiated, the driver MUST NOT issue "
                      "commands VIRTIO_NET_CTRL_RX_PROMISC or VIRTIO_NET_CTRL_RX_ALLMULTI."),
    "net-rx-extra-must": _q(VIRTIO, "device-types/net/description.tex: Packet Receive Filtering (driver normative)",
                            "If the VIRTIO_NET_F_CTRL_RX_EXTRA feature has not been negotiated, the driver MUST NOT "
                            "issue commands VIRTIO_NET_CTRL_RX_ALLUNI, VIRTIO_NET_CTRL_RX_NOMULTI, "
                            "VIRTIO_NET_CTRL_RX_NOUNI or VIRTIO_NET_CTRL_RX_NOBCAST."),
    "net-mac-must": _q(VIRTIO, "device-types/net/description.tex: Setting MAC Address Filtering (driver normative)",
                       "If VIRTIO_NET_F_CTRL_RX has not been negotiated, the driver MUST NOT issue "
                       "VIRTIO_NET_CTRL_MAC class commands."),
    "net-mac-table": _q(VIRTIO, "device-types/net/description.tex: Setting MAC Address Filtering (driver normative)",
                        "The driver MUST follow the VIRTIO_NET_CTRL_MAC_TABLE_SET command by a le32 number, followed "
                        "by that number of non-multicast MAC addresses, followed by another le32 number, followed by "
                        "that number of multicast addresses. Either number MAY be 0."),
    "net-mac-addr": _q(VIRTIO, "device-types/net/description.tex: Setting MAC Address Filtering",
                       "The command-specific-data for VIRTIO_NET_CTRL_MAC_ADDR_SET is the 6-byte MAC address."),
    "net-announce": _q(VIRTIO, "device-types/net/description.tex: Gratuitous Packet Sending",
                       "The command VIRTIO_NET_CTRL_ANNOUNCE_ACK is used to indicate that driver has received the "
                       "notification and device clears the VIRTIO_NET_S_ANNOUNCE bit in status."),
    "net-pairs": _q(VIRTIO, "device-types/net/description.tex: Automatic receive steering in multiqueue mode "
                            "(driver normative)",
                    "The driver MUST NOT request a virtqueue_pairs of 0 or greater than max_virtqueue_pairs in the "
                    "device configuration space."),
    "net-last-command": _q(VIRTIO, "device-types/net/description.tex: Device operation in multiqueue mode",
                           "If more than one multiqueue mode is negotiated, the resulting device configuration is "
                           "defined by the last command sent by the driver."),
    "net-rss-must": _q(VIRTIO, "device-types/net/description.tex: Setting RSS parameters (driver normative)",
                       "A driver MUST NOT send the VIRTIO_NET_CTRL_MQ_RSS_CONFIG command if the feature "
                       "VIRTIO_NET_F_RSS has not been negotiated."),
    "net-rss-pow2": _q(VIRTIO, "device-types/net/description.tex: Setting RSS parameters (driver normative)",
                       "The number of entries in indirection_table (indirection_table_mask + 1) MUST be a power of "
                       "two."),
    "net-rss-enabled": _q(VIRTIO, "device-types/net/description.tex: Setting RSS parameters (driver normative)",
                          "A driver MUST fill the indirection_table array only with enabled receive virtqueues ids."),
    "net-rss-hash-types": _q(VIRTIO, "device-types/net/description.tex: Setting RSS parameters (driver normative)",
                             "A driver MUST NOT set any VIRTIO_NET_HASH_TYPE_ flags that are not supported by a "
                             "device."),
    "net-rss-limits": _q(VIRTIO, "device-types/net/description.tex: Device configuration layout (device normative)",
                         "The device MUST set rss_max_key_size to at least 40, if it offers VIRTIO_NET_F_RSS or "
                         "VIRTIO_NET_F_HASH_REPORT. The device MUST set rss_max_indirection_table_length to at least "
                         "128, if it offers VIRTIO_NET_F_RSS."),
    "net-rss-config": _q(VIRTIO, "device-types/net/description.tex: Setting RSS parameters",
                         "struct virtio_net_rss_config { le32 hash_types; le16 indirection_table_mask; struct "
                         "rss_rq_id unclassified_queue; struct rss_rq_id indirection_table[indirection_table_length]; "
                         "le16 max_tx_vq; u8 hash_key_length; u8 hash_key_data[hash_key_length]; };"),
    "net-hash-reserved": _q(VIRTIO, "device-types/net/description.tex: Hash calculation",
                            "Field reserved MUST contain zeroes."),
    "vfio-record": _q("Linux drivers/vfio/pci/virtio/migrate.c", "struct virtiovf_migration_header",
                      "le64 record_size; le32 flags (VIRTIOVF_MIGF_HEADER_FLAGS_TAG_OPTIONAL = 1); le32 tag "
                      "(VIRTIOVF_MIGF_HEADER_TAG_DEVICE_DATA = 0)"),
    # --- NVMe ---------------------------------------------------------------------------------------------
    "nvme-state": _q(NVME_23, "5.2.17.1.3 Set Controller State (Controller State data structure)",
                     "01:00 Version (VER): This field indicates the version of this data structure. This field "
                     "shall be cleared to 0h. [...] 31:16 NVMe Controller State Size (NVMECSS): This field indicates "
                     "the number of dwords in the NVMe Controller State field. 47:32 Vendor Specific Size (VSS): "
                     "This field indicates the number of dwords in the Vendor Specific Data field."),
    "nvme-csattr": _q(NVME_23, "5.2.17.1.3 Set Controller State (Controller State data structure)",
                      "Controller State Attributes (CSATTR): This field specifies attributes associated with the "
                      "controller state. Bits 07:01 Reserved. 00 Controller Suspended: If this bit is set to '1', "
                      "then the controller associated with this data structure was suspended for the entire duration "
                      "of the processing of the Migration Receive command"),
    "nvme-nvmecs-absent": _q(NVME_23, "5.2.17.1.3 Set Controller State (Controller State data structure)",
                             "NVMe Controller State (NVMECS): If the NVMECSS field is non-zero, then this field "
                             "contains the controller state data as defined in Figure 375. If the NVMECSS field is "
                             "cleared to 0h, then this field does not exist in the data structure."),
    "nvme-csvi-zero": _q(NVME_21, "page 374, Figure 345 and 5.1.16.1.1",
                         "If this field is cleared to 0h, then no Controller State field is returned in the returned "
                         "data. [...] If the CSVI field is cleared to 0h, then the Controller State Size field in the "
                         "returned data shall be cleared to 0h."),
    "nvme-nvmecs": _q(NVME_21, "page 381, Figure 359: NVMe Controller State Data Structure",
                      "01:00 Version (VER): This field indicates the version of this data structure. This field shall "
                      "be cleared to 0h. 03:02 Number of I/O Submission Queues (NIOSQ) [...] 05:04 Number of I/O "
                      "Completion Queues (NIOCQ) [...] 07:06 Reserved"),
    "nvme-lists-ascending": _q(NVME_21, "page 381, Figure 359",
                               "The I/O Submission Queue list shall be listed in ascending order by I/O Submission "
                               "Queue Identifier. The I/O Completion Queue list shall be listed in ascending order by "
                               "I/O Completion Queue Identifier."),
    "nvme-iosq": _q(NVME_21, "pages 381-382, Figure 360: I/O Submission Queue State Data Structure",
                    "15:14 I/O Submission Queue Attributes (IOSQA) [...] Bits 15:03 Reserved 02:01 I/O Submission "
                    "Queue Priority (IOSQQPRIO) [...] 00 I/O Submission Queue Physically Contiguous (IOSQPC) [...] "
                    "17:16 I/O Submission Queue Head Pointer (IOSQHP) [...] 19:18 I/O Submission Queue Tail Pointer "
                    "(IOSQTP) [...] 23:20 Reserved"),
    "nvme-iocq": _q(NVME_21, "page 382, Figure 361: I/O Completion Queue State Data Structure",
                    "19:16 I/O Completion Queue Attributes (IOCQA) [...] 31:16 I/O Completion Queue Interrupt Vector "
                    "(IOCQIV) [...] 15:03 Reserved 02 Slot 0 Phase Tag (S0PT) [...] 01 I/O Completion Queue "
                    "Interrupts Enabled (IOCQIEN) [...] 00 I/O Completion Queue Physically Contiguous (IOCQPC)"),
    "nvme-layout-libnvme": _q(LIBNVME, "struct nvme_lm_controller_state_data_header",
                              "__le16 ver; __u8 csattr; __u8 rsvd3[13]; __u8 nvmecss[16]; __u8 vss[16];"),
    "nvme-layout-rfc": _q("vfio-nvme RFC (kvm list, 2025-08) include/linux/nvme.h", "struct nvme_lm_ctrl_state",
                          "a 20-byte header: __le16 ver; __u8 csattr; __u8 rsvd[13]; __le16 nvmecss; __le16 vss;"),
    "nvme-qsize": _q(NVME_23, "3.3.3.1 Queue Size",
                     "The queue size is the number of slots in the queue. The minimum size for a queue is two slots."),
    "nvme-qid": _q(NVME_23, "3.3.3.2 Queue Identifier",
                   "Both I/O Submission Queue identifiers and I/O Completion Queue identifiers are a value from 1 to "
                   "65,535."),
    "nvme-create-sq-qid": _q(NVME_23, "5.3.2 Create I/O Submission Queue command",
                             "If the value specified is 0h, exceeds the Number of Queues reported, or corresponds to "
                             "an identifier already in use, the controller should return an error of Invalid Queue "
                             "Identifier."),
    "nvme-create-sq-cqid": _q(NVME_23, "5.3.2 Create I/O Submission Queue command",
                              "If the value specified: a) is 0h (i.e., the Admin Completion Queue), then the "
                              "controller shall abort the command with a status code of Invalid Queue Identifier; "
                              "[...] c) is within the range supported by the controller and does not specify an I/O "
                              "Completion Queue that has been created, then the controller shall abort the command "
                              "with a status code of Completion Queue Invalid."),
    "nvme-create-qsize": _q(NVME_23, "5.3.1 Create I/O Completion Queue command",
                            "Queue Size (QSIZE): [...] If the size is 0h or larger than the controller supports, the "
                            "controller should return an error of Invalid Queue Size. Refer to section 3.3.3.1. This "
                            "is a 0's based value."),
    "nvme-pointers": _q(NVME_23, "3.3.1.2 Queue Usage",
                        "If the Tail entry pointer increment exceeds the queue size, the Tail entry shall roll to "
                        "zero. [...] If the Head entry pointer increment exceeds the queue size, the Head entry "
                        "pointer shall roll to zero."),
    "nvme-set-commit": _q(NVME_23, "5.2.17.1.3 Set Controller State",
                          "the controller state shall be verified and committed to the specified controller which "
                          "includes: Creating any I/O Submission Queues and I/O Completion Queues specified by the "
                          "NVMe Controller State field"),
    "nvme-sequence": _q(NVME_23, "5.2.17.1.3 Set Controller State",
                        "Finally, the host submits the last Migration Send command with: the Select field set to Set "
                        "Controller State (i.e., 2h); the SEQIND field set to 10b [...] This last Migration Send "
                        "command may or may not have the Number of Dwords (NUMD) field cleared to 0h."),
    "nvme-numd": _q(NVME_23, "5.2.17.1.3 Set Controller State",
                    "Number of Dwords (NUMD): This field specifies the number of dwords being transferred. This field "
                    "is only allowed to be cleared to the value of 0h if the Sequence Indicator field is set to 10b."),
    "nvme-offset-aligned": _q(NVME_23, "5.2.17.1.3 Set Controller State",
                              "The offset is required to be dword aligned and if bits 1:0 are not cleared to 00b, "
                              "then the controller shall abort the command with a status code of Invalid Field in "
                              "Command."),
    "nvme-receive-numd": _q(NVME_23, "5.2.16 Migration Receive command",
                            "Number of Dwords (NUMDL): This field specifies the number of dwords to return. If the "
                            "host specifies a value that is greater than the number of dwords returned by the "
                            "specified management operation of the command, then the controller returns the number "
                            "of dwords defined by the specified management operation of the command with undefined "
                            "results for the remaining dwords. This is a 0's based value."),
    "nvme-vendor-uuid": _q(NVME_23, "5.2.13.2.21 Supported Controller State Formats (CNS 20h)",
                           "Vendor Specific Controller State UUID 1: This field contains a 128-bit Universally "
                           "Unique Identifier (UUID) [...] that identifies the format of the Vendor Specific Data "
                           "field"),
    "nvme-csuuidi": _q(NVME_21, "page 374, Figure 346",
                       "Controller State UUID Index (CSUUIDI): A non-zero value in this field specifies the index to a "
                       "specific entry in the Vendor Specific Controller State UUID Supported list of the Supported "
                       "Controller State Formats data structure"),
    "nvme-qprio": _q(NVME_23, "5.3.2 Create I/O Submission Queue command",
                     "Queue Priority (QPRIO): This field specifies the priority class to use for commands within this "
                     "Submission Queue. This field is only used when the weighted round robin with urgent priority "
                     "class is the arbitration mechanism selected. 00b Urgent 01b High 10b Medium 11b Low"),
}
