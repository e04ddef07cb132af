/** @odoo-module **/
/**
 * Clinical note form: a signed note is never deleted (the server refuses it),
 * so the gear menu does not offer Delete on it.
 */
import { registry } from "@web/core/registry";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";

export class DentalClinicalNoteFormController extends FormController {
    getStaticActionMenuItems() {
        const items = super.getStaticActionMenuItems();
        if (items.delete) {
            const isAvailable = items.delete.isAvailable;
            items.delete.isAvailable = () =>
                (isAvailable ? isAvailable() : true) && this.model.root.data.state !== "signed";
        }
        return items;
    }
}

registry.category("views").add("dental_clinical_note_form", {
    ...formView,
    Controller: DentalClinicalNoteFormController,
});
