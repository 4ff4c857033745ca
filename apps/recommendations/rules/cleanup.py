"""Cleanup: what is paid for and used by nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.inventory.vocabulary import ResourceKind, ResourceStatus

from ..context import MONTH_DAYS, Context, ResourceView
from ..vocabulary import Action, Category, Confidence
from .base import FindingDraft, Param, Rule, money
from .common import is_attached, monthly_cost_words
from .measure import lowest_confidence


class UnattachedVolumeRule(Rule):
    key = "unattached_volume"
    version = 1
    category = Category.CLEANUP
    title = gettext_lazy("Unattached volumes")
    description = gettext_lazy("A disk attached to no server is paid for in full and used by nothing: snapshot it "
                               "if the data may be needed, then delete it.")
    kinds = (ResourceKind.VOLUME,)
    params = (Param("min_monthly_cost", gettext_lazy("Smallest monthly cost to report"), Decimal(0), Decimal(0),
                    Decimal(1_000_000), unit="₽"),)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            if is_attached(resource) is not False:
                continue
            cost, words, confidence, reason = monthly_cost_words(context, resource)
            if cost is None or cost < params["min_monthly_cost"]:
                continue
            size = resource.spec("disk_gb") or resource.spec("size_gb")
            yield FindingDraft(
                resource=resource, action=Action.DELETE,
                title=_("Unattached volume «%(name)s»") % {"name": resource.label},
                action_text=_("Make a snapshot if the data may be needed, then delete the volume."),
                formula=_("The volume is attached to nothing: all of its cost is saved, %(words)s = %(total)s") % {
                    "words": words, "total": money(cost, context.currency)},
                savings=cost, confidence=confidence, confidence_reason=reason,
                evidence={"size_gb": size, "monthly_cost": cost, "attached": False})


# Where the plugins name what a server uses: its disks, its addresses, the disk or address's server.
VM_VOLUME_KEYS = ("volumes", "disk_ids", "volume_ids", "boot_disk_id")
VM_ADDRESS_KEYS = ("ip_addresses", "public_ip", "public_ips")
VOLUME_VM_KEYS = ("attached_to", "instance_ids", "instance_id", "instance", "server_id")
ADDRESS_VM_KEYS = ("attached_to", "instance", "instance_id", "server_id")
ADDRESS_KEYS = ("address", "public_ip", "ip")
IMAGE_KEYS = ("image_id", "image", "ImageId")
IMAGE_SOURCE_KEYS = ("source_image_id",)


def _names(resource: ResourceView) -> set[str]:
    return {name for name in (resource.resource_id, resource.name) if name}


def _values(mapping, keys) -> set[str]:
    found: set[str] = set()
    for key in keys:
        value = mapping.get(key)
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, "") and not isinstance(item, dict | list | bool):
                found.add(str(item).strip())
    return found


def _references(specs, keys) -> set[str]:
    """The strings the spec values of ``keys`` hold (lists and mappings flattened), as ``refers_to`` reads them."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, list | tuple | set):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif value not in (None, ""):
            found.add(str(value).strip())

    for key in keys:
        walk(specs.get(key))
    return found


def _index(resources, refs) -> dict[tuple, set[int]]:
    """{(connection id, reference): positions in ``resources``} of each resource's references."""
    index: dict[tuple, set[int]] = {}
    for position, resource in enumerate(resources):
        for ref in refs(resource):
            index.setdefault((resource.connection_id, ref), set()).add(position)
    return index


def _lookup(index: dict[tuple, set[int]], connection_id, refs: set[str]) -> set[int]:
    found: set[int] = set()
    for ref in refs:
        found |= index.get((connection_id, ref), set())
    return found


def age_days(context: Context, resource: ResourceView) -> tuple[int | None, datetime | None]:
    """Whole days since the resource was created (the provider's date, else when the inventory first saw it)."""
    born = resource.created_at or resource.first_seen_at
    if born is None:
        return None, None
    return (context.now - born).days, born


class StoppedVmPaidRule(Rule):
    key = "stopped_vm_paid"
    version = 1
    category = Category.CLEANUP
    title = gettext_lazy("Stopped servers that still cost money")
    description = gettext_lazy("A stopped server does not pay for its CPU, but its disks and public addresses "
                               "(and, at some providers, the server itself) are still billed: delete what is not "
                               "needed, or snapshot the disks first.")
    kinds = (ResourceKind.COMPUTE,)
    params = (Param("min_monthly_cost", gettext_lazy("Smallest monthly cost to report"), Decimal(0), Decimal(0),
                    Decimal(1_000_000), unit="₽"),)

    def evaluate(self, context, params):
        volumes, addresses = context.of_kind(ResourceKind.VOLUME), context.of_kind(ResourceKind.IP_ADDRESS)
        # Indexes by (connection, the server id or name a disk or address refers to): linear in the estate, not
        # stopped servers x disks.
        volumes_by_ref = _index(volumes, lambda v: _references(v.specs, VOLUME_VM_KEYS))
        volumes_by_id = _index(volumes, lambda v: {v.resource_id})
        addresses_by_ref = _index(addresses, lambda a: _references(a.specs, ADDRESS_VM_KEYS))
        addresses_by_ip = _index(addresses, lambda a: _values(a.specs, ADDRESS_KEYS))
        for vm in self.resources(context):
            if vm.status != ResourceStatus.STOPPED:
                continue
            names = _names(vm)
            disk_ids, ips = _values(vm.specs, VM_VOLUME_KEYS), _values(vm.specs, VM_ADDRESS_KEYS)
            conn = vm.connection_id
            found_volumes = _lookup(volumes_by_ref, conn, names) | _lookup(volumes_by_id, conn, disk_ids)
            found_addresses = _lookup(addresses_by_ref, conn, names) | _lookup(addresses_by_ip, conn, ips)
            billed = [(volumes[n], _("disk")) for n in sorted(found_volumes)]
            billed += [(addresses[n], _("IP address")) for n in sorted(found_addresses)]
            items, words, related, confidences, total = [], [], [], [], Decimal(0)
            for resource, noun in billed:
                cost, source = context.monthly_cost(resource)
                if cost is None or is_attached(resource) is False:
                    continue  # a detached disk or address is ``unattached_volume``'s or ``unused_ip``'s finding
                total += cost
                related.append(resource.pk)
                confidences.append(Confidence.HIGH if source == "price" else Confidence.MEDIUM)
                items.append({"pk": resource.pk, "kind": resource.kind, "name": resource.label,
                              "monthly_cost": cost, "source": source})
                words.append(_("%(noun)s «%(name)s» — %(cost)s %(source)s") % {
                    "noun": noun, "name": resource.label, "cost": money(cost, context.currency),
                    "source": _("by the price") if source == "price" else _("by the bills")})
            own = None
            if vm.spend is not None and vm.spend > 0 and context.cost_days:
                own = vm.spend * MONTH_DAYS / context.cost_days
                total += own
                confidences.append(Confidence.MEDIUM)
                words.append(_("the server itself — %(cost)s by the bills") % {"cost": money(own, context.currency)})
            if total <= 0 or total < params["min_monthly_cost"]:
                continue
            confidence = lowest_confidence(*confidences)
            yield FindingDraft(
                resource=vm, action=Action.DELETE,
                title=_("Stopped server «%(name)s» still costs money") % {"name": vm.label},
                action_text=_("Delete the server with its disks and release its addresses if it is not needed; "
                              "snapshot the disks first if the data may be needed."),
                formula=_("The server is stopped, but these are still billed: %(items)s; in total %(total)s a "
                          "month") % {"items": ", ".join(words), "total": money(total, context.currency)},
                savings=total, confidence=confidence, related=tuple(related),
                confidence_reason=_("Prices of the provider.") if confidence == Confidence.HIGH
                else _("Part of the cost is measured from the last %(days)s days of the bills.") % {
                    "days": context.cost_days},
                evidence={"items": items, "server_monthly_cost": own, "monthly_cost": total})


class UnusedIpRule(Rule):
    key = "unused_ip"
    version = 1
    category = Category.CLEANUP
    title = gettext_lazy("Unused public IP addresses")
    description = gettext_lazy("A reserved address attached to nothing is billed every hour: release it.")
    kinds = (ResourceKind.IP_ADDRESS,)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            if is_attached(resource) is not False:
                continue
            cost, words, confidence, reason = monthly_cost_words(context, resource)
            if cost is None:
                continue
            yield FindingDraft(
                resource=resource, action=Action.RELEASE,
                title=_("Unused IP address «%(name)s»") % {"name": resource.label},
                action_text=_("Release the address if no DNS record or firewall rule relies on it."),
                formula=_("The address is attached to nothing: all of its cost is saved, %(words)s = %(total)s") % {
                    "words": words, "total": money(cost, context.currency)},
                savings=cost, confidence=confidence, confidence_reason=reason,
                evidence={"address": next(iter(sorted(_values(resource.specs, ADDRESS_KEYS))), ""),
                          "monthly_cost": cost, "attached": False})


class OldSnapshotRule(Rule):
    key = "old_snapshot"
    version = 1
    category = Category.CLEANUP
    title = gettext_lazy("Old snapshots")
    description = gettext_lazy("Snapshots older than the set number of days are usually forgotten: delete them "
                               "once you know they are not the only backup.")
    kinds = (ResourceKind.SNAPSHOT,)
    params = (Param("days", gettext_lazy("Older than"), Decimal(30), Decimal(1), Decimal(3650),
                    unit=gettext_lazy("days"), integer=True),)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            age, born = age_days(context, resource)
            if age is None or context.now - born <= timedelta(days=int(params["days"])):
                continue
            cost, words, confidence, reason = monthly_cost_words(context, resource)
            if cost is None:
                continue
            yield FindingDraft(
                resource=resource, action=Action.DELETE,
                title=_("Old snapshot «%(name)s»") % {"name": resource.label},
                action_text=_("Check that it is not the only backup of the data, then delete the snapshot."),
                formula=_("The snapshot is %(age)s days old (the limit is %(days)s): deleting it saves %(words)s "
                          "= %(total)s") % {"age": age, "days": int(params["days"]), "words": words,
                                           "total": money(cost, context.currency)},
                savings=cost, confidence=lowest_confidence(confidence, Confidence.MEDIUM),
                confidence_reason=_("Check that it is not your only backup."),
                evidence={"created": born.isoformat(), "age_days": age, "monthly_cost": cost,
                          "size_gb": resource.spec("storage_gb") or resource.spec("disk_gb")
                          or resource.spec("size_gb")})


class UnusedImageRule(Rule):
    key = "unused_image"
    version = 1
    category = Category.CLEANUP
    title = gettext_lazy("Unused images")
    description = gettext_lazy("Own images older than the set number of days that no server was created from "
                               "are paid for as storage: delete them.")
    kinds = (ResourceKind.IMAGE,)
    params = (Param("days", gettext_lazy("Older than"), Decimal(30), Decimal(1), Decimal(3650),
                    unit=gettext_lazy("days"), integer=True),)

    def evaluate(self, context, params):
        used: set[str] = set()
        for server in context.of_kind(ResourceKind.COMPUTE):
            used |= _values(server.specs, IMAGE_KEYS) | _values(server.config, IMAGE_KEYS)
        for volume in context.of_kind(ResourceKind.VOLUME):
            used |= _values(volume.specs, IMAGE_SOURCE_KEYS)
        for resource in self.resources(context):
            age, born = age_days(context, resource)
            if age is None or context.now - born <= timedelta(days=int(params["days"])) or _names(resource) & used:
                continue
            cost, words, confidence, reason = monthly_cost_words(context, resource)
            if cost is None:
                continue
            yield FindingDraft(
                resource=resource, action=Action.DELETE,
                title=_("Unused image «%(name)s»") % {"name": resource.label},
                action_text=_("Delete the image if no one will create servers from it again."),
                formula=_("The image is %(age)s days old (the limit is %(days)s) and no server or disk uses it: "
                          "deleting it saves %(words)s = %(total)s") % {
                    "age": age, "days": int(params["days"]), "words": words,
                    "total": money(cost, context.currency)},
                savings=cost, confidence=confidence, confidence_reason=reason,
                evidence={"created": born.isoformat(), "age_days": age, "monthly_cost": cost,
                          "size_gb": resource.spec("storage_gb") or resource.spec("disk_gb")
                          or resource.spec("size_gb")})
