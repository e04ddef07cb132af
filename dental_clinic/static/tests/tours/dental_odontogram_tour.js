/** @odoo-module */

import { registry } from "@web/core/registry";

// A dentist opens a patient, clicks tooth 16 on the odontogram and plans an occlusal restoration.
registry.category("web_tour.tours").add("dental_odontogram_plan_treatment", {
    steps: () => [
        {
            content: "The odontogram shows the permanent teeth",
            trigger: ".o_dental_odontogram .o_dental_tooth[data-tooth='48']",
        },
        {
            content: "Click tooth 16",
            trigger: ".o_dental_odontogram .o_dental_tooth[data-tooth='16']",
            run: "click",
        },
        {
            content: "The tooth dialog tells which tooth it is",
            trigger: ".modal .modal-title:contains(Tooth 16)",
        },
        {
            content: "Plan a treatment on it",
            trigger: ".modal .o_dental_plan_treatment",
            run: "click",
        },
        {
            content: "The form knows the tooth",
            trigger: ".modal div[name='tooth'] input:value(16)",
        },
        {
            content: "Choose the procedure",
            trigger: ".modal div[name='procedure_id'] input",
            run: "edit Tour composite",
        },
        {
            content: "Pick it in the dropdown",
            trigger: ".o-autocomplete--dropdown-item:contains(Tour composite restoration)",
            run: "click",
        },
        {
            content: "Occlusal surface",
            trigger: ".modal div[name='surface_ids'] .o-checkbox:contains(O) input",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Tooth 16 now shows a planned treatment on its occlusal surface",
            trigger: ".o_dental_tooth[data-tooth='16'].o_dental_tooth_has_planned path.o_dental_surface_planned",
        },
    ],
});
