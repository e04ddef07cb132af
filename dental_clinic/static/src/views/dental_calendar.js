/** @odoo-module **/
/**
 * The clinic's calendar: Odoo's calendar view plus a "New" button, the clinic's
 * closed hours shaded, and events that show chair, dentist and the medical-alert
 * marker (cancelled and no-show appointments are struck through).
 */
import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarController } from "@web/views/calendar/calendar_controller";
import { CalendarModel } from "@web/views/calendar/calendar_model";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";

export class DentalCalendarModel extends CalendarModel {
    async loadRecords(data) {
        if (!this.businessHours) {
            this.businessHours = await this.orm.call(this.meta.resModel, "get_calendar_business_hours", []);
        }
        return super.loadRecords(data);
    }
}

export class DentalCalendarCommonRenderer extends CalendarCommonRenderer {
    static eventTemplate = "dental_clinic.CalendarEvent";

    get options() {
        const options = super.options;
        const businessHours = this.props.model.businessHours;
        if (businessHours && businessHours.length) {
            options.businessHours = businessHours;
        }
        return options;
    }
}

export class DentalCalendarRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: DentalCalendarCommonRenderer,
        week: DentalCalendarCommonRenderer,
        month: DentalCalendarCommonRenderer,
    };
}

export class DentalCalendarController extends CalendarController {
    static template = "dental_clinic.CalendarController";

    onClickNew() {
        this.action.doAction(
            {
                type: "ir.actions.act_window",
                res_model: this.props.resModel,
                views: [[false, "form"]],
            },
            { additionalContext: this.props.context }
        );
    }
}

export const dentalCalendarView = {
    ...calendarView,
    Controller: DentalCalendarController,
    Model: DentalCalendarModel,
    Renderer: DentalCalendarRenderer,
};

registry.category("views").add("dental_calendar", dentalCalendarView);
