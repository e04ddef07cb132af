/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * A dentist's vacation over booked days: the manager enters it and sees the
 * appointments booked during it (nothing is cancelled); the front desk then
 * moves each of them, through the usual reschedule flow and the slot finder,
 * until none is left inside the absence.
 */
const { DateTime } = luxon;

function localDay(days, time) {
    return DateTime.local().plus({ days }).toFormat(`MM/dd/yyyy ${time}`);
}

registry.category("web_tour.tours").add("dental_dentist_absence_manager_tour", {
    steps: () => [
        { content: "A new absence", trigger: ".o_list_view .o_list_button_add", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=name] input", run: "edit Férias Tour" },
        { trigger: ".o_form_view .o_field_widget[name=resource_id] input", run: "edit Dra. Ausente" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Dra. Ausente Tour')", run: "click" },
        {
            content: "The type is what the front desk will see",
            trigger: ".o_form_view .o_field_widget[name=dental_absence_type] select",
            run: 'select "vacation"',
        },
        {
            content: "From the start of the day after tomorrow",
            trigger: ".o_form_view .o_field_widget[name=date_from] input",
            run: `edit ${localDay(2, "00:00:00")} && click .o_form_view .o_field_widget[name=name]`,
        },
        {
            content: "To the end of the day after",
            trigger: ".o_form_view .o_field_widget[name=date_to] input",
            run: `edit ${localDay(3, "23:59:00")} && click .o_form_view .o_field_widget[name=name]`,
        },
        { content: "Save", trigger: ".o_form_view .o_form_button_save", run: "click" },
        {
            content: "The appointments booked during the absence are listed, nothing was cancelled",
            trigger: ".o_form_view .alert-warning:contains('nothing was cancelled')",
        },
        {
            content: "Two of them, to move",
            trigger: ".o_form_view button[name=action_dental_view_appointments]:contains(2)",
            run: "click",
        },
        {
            content: "Both are there, still booked",
            trigger: ".o_list_view:has(.o_data_row:contains('Paciente Um Tour')) .o_data_row:contains('Paciente Dois Tour')",
        },
    ],
});

/** The front desk moves one listed appointment through the reschedule wizard and the slot finder. */
function moveSteps(patient) {
    return [
        { content: `Open ${patient}'s appointment`, trigger: `.o_data_row:contains('${patient}') td.o_data_cell`, run: "click" },
        { content: "Reschedule", trigger: ".o_form_view button[name=action_open_reschedule_wizard]", run: "click" },
        { content: "Look for a free slot", trigger: ".modal button[name=action_find_slot]", run: "click" },
        {
            content: "Search from the day after the absence",
            trigger: ".modal .o_field_widget[name=date_from] input",
            run: `edit ${localDay(4, "09:00:00")} && click .modal .o_field_widget[name=duration]`,
        },
        { trigger: ".modal button[name=action_search]", run: "click" },
        {
            content: "Book the first slot proposed",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:first button[name=action_select]",
            run: "click",
        },
        { content: "The dialog closed", trigger: "body:not(:has(.modal))" },
        { content: "Back to the list", trigger: ".o_breadcrumb .breadcrumb-item:last-child a", run: "click" },
        { trigger: ".o_list_view .o_data_row" },
    ];
}

registry.category("web_tour.tours").add("dental_dentist_absence_front_desk_tour", {
    steps: () => [
        {
            content: "The absence lists the appointments to move",
            trigger: ".o_form_view button[name=action_dental_view_appointments]:contains(2)",
            run: "click",
        },
        ...moveSteps("Paciente Um Tour"),
        ...moveSteps("Paciente Dois Tour"),
        {
            content: "Back to the absence",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Férias Tour')",
            run: "click",
        },
        {
            content: "No appointment is left inside the absence",
            trigger: ".o_form_view:has(.o_field_widget[name=name]):not(:has(button[name=action_dental_view_appointments]))",
        },
    ],
});
