/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The receptionist's morning, as a new user would go through it: register a
 * patient, find them again from the one search box, book from a calendar
 * click and from the slot finder, and move a card on the Today board.
 */
registry.category("web_tour.tours").add("dental_front_desk_tour", {
    url: "/odoo/action-dental_clinic.dental_patient_action",
    steps: () => [
        // Register a patient, typing the phone and the CPF as Brazilians write them.
        { trigger: ".o_control_panel .o-kanban-button-new", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=name] input", run: "edit Joana Conceição Tour" },
        { trigger: ".o_form_view .o_field_widget[name=cpf] input", run: "edit 390.533.447-05" },
        { trigger: ".o_form_view .o_field_widget[name=mobile_national] input", run: "edit (11) 98765-4321" },
        { content: "Save", trigger: ".o_form_view .o_form_button_save", run: "click" },
        { content: "Saved: the file number is given", trigger: ".o_form_view .o_field_widget[name=file_number]:contains('PAC-')" },
        {
            content: "The phone is shown the Brazilian way (stored in E.164)",
            trigger: ".o_form_view .o_field_widget[name=mobile_national] input:value('(11) 98765-4321')",
        },
        { trigger: ".o_form_view .o_field_widget[name=cpf] input:value('390.533.447-05')" },
        { content: "Back to the patients", trigger: ".o_breadcrumb .breadcrumb-item a", run: "click" },

        // Find them again: a phone in another format, then the name without accents, and Enter.
        { trigger: ".o_kanban_view .o_searchview_input", run: "edit +55 11 98765 4321" },
        { trigger: ".o_kanban_view .o_searchview_input", run: "press Enter" },
        {
            content: "Only the new patient is found by their phone",
            trigger: ".o_kanban_renderer:not(:has(.o_kanban_record:not(.o_kanban_ghost):not(:contains('Joana Conceição Tour')))) .o_kanban_record:contains('Joana Conceição Tour')",
        },
        { trigger: ".o_searchview .o_facet_remove", run: "click" },
        { trigger: ".o_kanban_view .o_searchview_input", run: "edit joana conceicao" },
        { trigger: ".o_kanban_view .o_searchview_input", run: "press Enter" },
        {
            content: "Found by the name typed without accents",
            trigger: ".o_kanban_renderer:not(:has(.o_kanban_record:not(.o_kanban_ghost):not(:contains('Joana Conceição Tour')))) .o_kanban_record:contains('Joana Conceição Tour')",
        },

        // Book from a calendar click: what the form shows is what is stored.
        { trigger: ".o_menu_sections [data-menu-xmlid='dental_clinic.menu_dental_appointments']", run: "click" },
        { trigger: ".dropdown-item[data-menu-xmlid='dental_clinic.menu_dental_appointment']", run: "click" },
        {
            content: "Click the 10:00 slot",
            trigger: ".o_calendar_view .fc-timegrid-slot-lane[data-time='10:00:00']",
            run: "click",
        },
        {
            content: "The form opened on the slot shows a one-hour booking, end and duration agreeing",
            trigger: ".o_form_view .o_field_widget[name=duration] input:value('01:00')",
        },
        { trigger: ".o_form_view .o_field_widget[name=patient_id] input", run: "edit Joana Conceição" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Joana Conceição Tour')", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=chair_id] input", run: "edit Cadeira Tour" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Cadeira Tour')", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=duration] input:value('01:00')" },
        { trigger: ".o_form_view .o_form_button_save", run: "click" },
        { content: "Saved", trigger: ".o_form_view button[name=action_open_reschedule_wizard]" },
        { trigger: ".o_form_view .o_field_widget[name=duration] input:value('01:00')" },

        // Book from the slot finder for a chosen dentist with a procedure.
        { trigger: ".o_menu_sections [data-menu-xmlid='dental_clinic.menu_dental_appointments']", run: "click" },
        { trigger: ".dropdown-item[data-menu-xmlid='dental_clinic.menu_dental_slot_finder']", run: "click" },
        { trigger: ".modal .o_field_widget[name=patient_id] input", run: "edit Joana Conceição" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Joana Conceição Tour')", run: "click" },
        { trigger: ".modal .o_field_widget[name=dentist_id] input", run: "edit Dr. Outro Tour" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Dr. Outro Tour')", run: "click" },
        { trigger: ".modal .o_field_widget[name=procedure_ids] input", run: "edit Profilaxia Tour" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Profilaxia Tour')", run: "click" },
        {
            content: "The procedure sets the duration",
            trigger: ".modal .o_field_widget[name=duration] input:value('00:45')",
        },
        { trigger: ".modal button[name=action_search]", run: "click" },
        {
            content: "Book the first slot proposed in Cadeira Tour (whose own dentist is Dra. Tour)",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Cadeira Tour') button[name=action_select]",
            run: "click",
        },
        {
            content: "The form keeps the chosen dentist",
            trigger: ".o_form_view .o_field_widget[name=dentist_id] input:value('Dr. Outro Tour')",
        },
        { trigger: ".o_form_view .o_field_widget[name=duration] input:value('00:45')" },
        { trigger: ".o_form_view .o_form_button_save", run: "click" },
        { content: "Saved", trigger: ".o_form_view button[name=action_open_reschedule_wizard]" },

        // The Today board: move a confirmed card to Arrived.
        { trigger: ".o_menu_sections [data-menu-xmlid='dental_clinic.menu_dental_appointments']", run: "click" },
        { trigger: ".dropdown-item[data-menu-xmlid='dental_clinic.menu_dental_appointment_today']", run: "click" },
        {
            content: "Every step of the day is a column",
            trigger: ".o_kanban_view .o_kanban_group:has(.o_column_title:contains('No Show'))",
        },
        {
            content: "Drag Bruno's confirmed card to Arrived",
            trigger: ".o_kanban_group:has(.o_column_title:contains('Confirmed')) .o_kanban_record:contains('Bruno Hoje Tour')",
            run: "drag_and_drop (.o_kanban_group:has(.o_column_title:contains('Arrived')))",
        },
        {
            content: "It is in the Arrived column, with its time and no date",
            trigger: ".o_kanban_group:has(.o_column_title:contains('Arrived')) .o_kanban_record:contains('Bruno Hoje Tour') .o_dental_time:contains('–')",
        },

        // Above the board: tomorrow's appointments still to confirm, one click from their list.
        {
            content: "The board counts tomorrow's unconfirmed appointments",
            trigger: ".o_control_panel button.o_dental_tomorrow_unconfirmed:contains('to confirm')",
            run: "click",
        },
        {
            content: "Their list, to call the patients",
            trigger: ".o_list_view .o_data_row:contains('Carla Amanhã Tour')",
        },
    ],
});
