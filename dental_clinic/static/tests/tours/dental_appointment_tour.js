/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The front desk clicks a free slot of the appointments calendar, fills in
 * the booking form it opens (a procedure from the catalogue sets the duration),
 * saves and confirms, and finds it in the calendar.
 */
registry.category("web_tour.tours").add("dental_appointment_book_tour", {
    url: "/odoo/action-dental_clinic.dental_appointment_action",
    steps: () => [
        {
            content: "Click a free slot at 10:00 in the calendar",
            trigger: ".o_calendar_view .fc-timegrid-slot-lane[data-time='10:00:00']",
            run: "click",
        },
        {
            content: "Choose the patient",
            trigger: ".o_form_view .o_field_widget[name=patient_id] input",
            run: "edit Paciente Tour",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Paciente Tour')",
            run: "click",
        },
        {
            content: "Choose the chair: its dentist is proposed",
            trigger: ".o_form_view .o_field_widget[name=chair_id] input",
            run: "edit Cadeira Tour",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Cadeira Tour')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=dentist_id] input:value('Dra. Tour')",
        },
        {
            content: "Pick the planned procedure from the catalogue: the duration follows it",
            trigger: ".o_form_view .o_field_widget[name=procedure_ids] input",
            run: "edit Profilaxia Tour",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Profilaxia Tour')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=duration] input:value('00:45')",
        },
        {
            content: "Book it",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb .active:contains('Paciente Tour')",
        },
        {
            content: "Confirm it",
            trigger: ".o_form_view button[name=action_confirm]",
            run: "click",
        },
        {
            content: "It is confirmed",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Confirmed')",
        },
        {
            content: "Back to the calendar",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Appointments')",
            run: "click",
        },
        {
            content: "The appointment shows in the calendar",
            trigger: ".o_calendar_view .fc-event:contains('Paciente Tour')",
        },
    ],
});
